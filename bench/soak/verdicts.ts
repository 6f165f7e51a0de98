// What a soak run is judged on, and invariants (0), (3) and (4): only expected answers and log
// errors, no fd or memory growth, and a shutdown that leaves nothing behind.
// (1) is settle.ts's, (2) accounting.ts's.

import { existsSync, readFileSync } from "node:fs";
import { call } from "../../src/client/connection.ts";
import { fmt } from "../lib/measure.ts";
import { commandLine, markedProcesses } from "../lib/procfs.ts";
import { pause } from "./interrupt.ts";
import { MARKER_ENV } from "./plan.ts";
import type { Measure, Run } from "./run.ts";
import { EXPECTED_OUTCOMES } from "./tally.ts";

export interface Verdict {
  name: string;
  ok: boolean;
  summary: string;
  details: string[];
}

/** serve's error lines other than an agent failing (which churn and the crashers cause on purpose). */
function unexpectedLogErrors(run: Run): string[] {
  if (!existsSync(run.serveLog)) return [];
  // Crashers, kill -9 and timeouts make agents fail on purpose; a start that cannot spawn does not.
  const agentFailed = /^\S+ error\s+\S+ failed( \(|: (killed by signal|crash loop|timed out))/;
  return readFileSync(run.serveLog, "utf8")
    .split("\n")
    .filter((line) => / (error|fatal) /.test(line) && !agentFailed.test(line));
}

export function answersVerdict(run: Run): Verdict {
  const unexpected = run.tally.unexpected();
  const logErrors = unexpectedLogErrors(run);
  return {
    name: "(0) every request answered, only expected errors",
    ok: unexpected.length === 0 && logErrors.length === 0,
    summary:
      `${unexpected.length === 0 ? `answers only ${[...EXPECTED_OUTCOMES].join(", ")}` : `${unexpected.length} unexpected outcome kinds`}; ` +
      `${logErrors.length} unexpected error lines in serve's log`,
    details: [...unexpected, ...logErrors.slice(-10).map((line) => `serve log: ${line.slice(0, 300)}`)],
  };
}

export function growthVerdict(run: Run, baseline: Measure | null, end: Measure | null): Verdict {
  const name = "(3) no fd or memory growth";
  if (!baseline || !end) return { name, ok: false, summary: "could not measure (no quiet moment with stable pids)", details: [] };
  const fdGrowth = end.fds - baseline.fds;
  const rssGrowth = ((end.rss - baseline.rss) / baseline.rss) * 100;
  const details: string[] = [];
  if (fdGrowth > run.options.fdGrowth) {
    const kinds = [...new Set([...baseline.kinds.keys(), ...end.kinds.keys()])]
      .map((kind) => [kind, (end.kinds.get(kind) ?? 0) - (baseline.kinds.get(kind) ?? 0)] as const)
      .filter(([, delta]) => delta !== 0)
      .sort((a, b) => b[1] - a[1]);
    details.push(
      `fds grew by ${fdGrowth} (limit ${run.options.fdGrowth}); raw change by kind, live agents ${baseline.live} → ${end.live}: ` +
        kinds.map(([kind, delta]) => `${kind} ${fmt.signed(delta)}`).join(", "),
    );
  }
  if (rssGrowth > run.options.rssGrowth) details.push(`RSS grew by ${rssGrowth.toFixed(1)} % (limit ${run.options.rssGrowth} %)`);
  // One log file per agent at most, however much churn there was.
  if (end.logFiles > run.plans.length) details.push(`${end.logFiles} agent log files open for ${run.plans.length} agents`);
  return {
    name,
    ok: details.length === 0,
    summary:
      `fds ${fmt.signed(fdGrowth)} (limit +${run.options.fdGrowth}), RSS ${fmt.signed(rssGrowth, 1)} % (limit +${run.options.rssGrowth} %), ` +
      `agent log files open ${end.logFiles} of at most ${run.plans.length}`,
    details,
  };
}

/** (4): shutdown over the socket; serve exits 0, nothing of this run is left, the socket file is gone. */
export async function shutdownVerdict(run: Run): Promise<Verdict> {
  const name = "(4) shutdown leaves nothing behind";
  const serve = run.serve;
  if (!serve) return { name, ok: false, summary: "serve is not running", details: [] };
  const details: string[] = [];
  const startedShutdown = Date.now();
  let stoppedFrames = 0;
  try {
    for await (const frame of call("shutdown", {}, { socketPath: run.socket, timeoutMs: 10_000 })) {
      if (frame.status === "error") details.push(`shutdown answered ${frame.error.code}: ${frame.error.message}`);
      else if (frame.data.action === "agent_stopped") stoppedFrames++;
    }
  } catch (error) {
    details.push(`shutdown stream: ${(error as Error).message}`);
  }
  const code = await Promise.race([serve.exited, Bun.sleep(45_000).then(() => null)]);
  const exitMs = Date.now() - startedShutdown;
  if (code === null) details.push("serve did not exit within 45s of shutdown");
  else if (code !== 0) details.push(`serve exited ${code}${serve.signalCode ? ` (${serve.signalCode})` : ""}`);
  let left = markedProcesses(MARKER_ENV, run.marker);
  for (const deadline = Date.now() + 10_000; left.length > 0 && Date.now() < deadline; left = markedProcesses(MARKER_ENV, run.marker)) {
    await pause(100);
  }
  for (const process_ of left) details.push(`left running: pid ${process_.pid} (${commandLine(process_.pid)}; agent ${process_.agent})`);
  if (existsSync(run.socket)) details.push(`socket file ${run.socket} still there`);
  return {
    name,
    ok: details.length === 0,
    summary: `exit ${code ?? "-"} after ${(exitMs / 1000).toFixed(1)}s, ${stoppedFrames} agent_stopped frames, ${left.length} processes left, socket ${existsSync(run.socket) ? "present" : "removed"}`,
    details,
  };
}
