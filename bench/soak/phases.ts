// A soak run from start to end: serve up, churn and client load for the duration, then the
// invariants and the report; and the cleanup that kills only what the run started.

import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { request } from "../../src/client/connection.ts";
import { markedProcesses } from "../lib/procfs.ts";
import { accountProcesses } from "./accounting.ts";
import { pause } from "./interrupt.ts";
import { churnLoop, clientLoop, startSampler } from "./load.ts";
import { configToml, MARKER_ENV } from "./plan.ts";
import { quietMeasure } from "./quiet.ts";
import { mb, printReport } from "./report.ts";
import { killMarked, type Measure, progress, psNow, type Run, serveAlive } from "./run.ts";
import { reviveAndSettle } from "./settle.ts";
import { COMMAND_TIMEOUT_MS } from "./tally.ts";
import { answersVerdict, growthVerdict, shutdownVerdict } from "./verdicts.ts";

export const BINARY = resolve(import.meta.dir, "../../build/pyorchestrate");

/** The whole run; 0 when every invariant holds, 1 otherwise. */
export async function soak(run: Run): Promise<number> {
  const { options } = run;
  const configPath = join(run.dir, "pyorchestrate.toml");
  writeFileSync(configPath, configToml(run.plans, run.dir, run.marker, options));
  const logFd = openSync(run.serveLog, "w");
  run.serve = Bun.spawn([BINARY, "serve", configPath], {
    cwd: run.dir,
    env: { ...process.env, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: logFd,
  });
  closeSync(logFd);
  progress(`serve pid ${run.serve.pid} on ${run.socket} (${run.dir}), seed ${options.seed}`);

  const readyBy = Date.now() + 15_000;
  while (!(await psNow(run))) {
    if (!serveAlive(run) || Date.now() > readyBy) {
      process.stderr.write(`serve did not come up:\n${readFileSync(run.serveLog, "utf8")}\n`);
      return 1;
    }
    await pause(50);
  }

  const sampler = startSampler(run);
  const workers = [
    ...Array.from({ length: options.clients }, (_, index) => clientLoop(run, index)),
    ...Array.from({ length: options.churners }, () => churnLoop(run)),
  ];
  const churnStarted = Date.now();
  const until = churnStarted + options.duration * 1000;
  let baseline: Measure | null = null;
  let nextProgress = churnStarted + 10_000;
  try {
    while (Date.now() < until) {
      if (!serveAlive(run)) break;
      if (baseline === null && Date.now() >= churnStarted + options.warmup * 1000) {
        baseline = await quietMeasure(run);
        progress(baseline ? `baseline: ${baseline.fds} fds (less live agents), ${mb(baseline.rss)} RSS` : "baseline: no quiet moment");
      }
      if (Date.now() >= nextProgress) {
        const last = run.samples.at(-1);
        const sent = [...run.tally.sent.values()].reduce((a, b) => a + b, 0);
        progress(`${sent} requests, ${run.kills.leaders + run.kills.descendants} kills${last ? `, serve ${last.fds} fds, ${mb(last.rss)}` : ""}`);
        nextProgress += 10_000;
      }
      await pause(100);
    }
  } finally {
    run.load.stopped = true;
  }
  await Promise.race([Promise.all(workers), Bun.sleep(COMMAND_TIMEOUT_MS + 5_000)]);
  clearInterval(sampler);
  const churnSeconds = (Date.now() - churnStarted) / 1000;
  if (!serveAlive(run)) {
    process.stderr.write(`serve died during the soak (exit ${run.serve.exitCode}, ${run.serve.signalCode ?? "no signal"}):\n`);
    process.stderr.write(readFileSync(run.serveLog, "utf8").split("\n").slice(-30).join("\n"));
    return 1;
  }
  progress(`churn stopped after ${churnSeconds.toFixed(1)}s; reviving and settling`);

  const settled = await reviveAndSettle(run);
  const accounted = await accountProcesses(run);
  const end = await quietMeasure(run);
  const growth = growthVerdict(run, baseline, end);
  const finalPs = await psNow(run);
  const restarts = finalPs ? finalPs.reduce((sum, agent) => sum + agent.restarts, 0) : null;
  let executions = "n/a";
  const report = await request("report", {}, { socketPath: run.socket, timeoutMs: 10_000 }).catch(() => null);
  if (report?.status === "success") {
    const { runs, failures, average_duration_ms } = report.data.executions;
    executions = `${runs} runs, ${failures} failures, ${average_duration_ms.toFixed(0)} ms average`;
  }
  progress("shutting down");
  const shutdown = await shutdownVerdict(run);
  // Last, so that serve's whole log is read.
  const verdicts = [answersVerdict(run), settled, accounted, growth, shutdown];
  printReport(run, { churnSeconds, baseline, end, restarts, executions }, verdicts);
  return verdicts.every((verdict) => verdict.ok) ? 0 : 1;
}

/** serve by its pid (SIGTERM, then SIGKILL), then whatever still carries this run's marker; the temp dir. */
export async function cleanup(run: Run): Promise<void> {
  run.load.stopped = true;
  const serve = run.serve;
  if (serve && serveAlive(run)) {
    serve.kill("SIGTERM");
    const code = await Promise.race([serve.exited, Bun.sleep(20_000).then(() => null)]);
    if (code === null) serve.kill("SIGKILL");
  }
  for (let tries = 0; tries < 50; tries++) {
    const left = markedProcesses(MARKER_ENV, run.marker);
    if (left.length === 0) break;
    if (tries === 20) for (const process_ of left) killMarked(run, process_.pid, null);
    await Bun.sleep(100);
  }
  for (const process_ of markedProcesses(MARKER_ENV, run.marker)) killMarked(run, process_.pid, null);
  if (run.options.keep) progress(`kept ${run.dir}`);
  else rmSync(run.dir, { recursive: true, force: true });
}

/** A second Ctrl+C: no more waiting. */
export function cleanupNow(run: Run): void {
  if (run.serve && serveAlive(run)) run.serve.kill("SIGKILL");
  for (const process_ of markedProcesses(MARKER_ENV, run.marker)) killMarked(run, process_.pid, null);
  if (!run.options.keep) rmSync(run.dir, { recursive: true, force: true });
}
