// pyorchestrate alone: the command interface under load (one connection's throughput, 50
// concurrent clients' latency), `ps --json` from a fresh CLI at N = 1000, and a /metrics scrape.

import { median, percentile, timedRun } from "./measure.ts";
import { measureScrape, type ScrapeCost } from "./metrics-scrape.ts";
import { activeRuns } from "./scenario.ts";
import { Session } from "./session.ts";
import { BINARY, PyorchestrateRun } from "./tool-pyorchestrate.ts";

export interface Extras {
  loadAgents: number;
  /** Requests answered per second, one at a time on one connection (`status`, no agent). */
  sequentialPerSecond: number;
  /** The same with up to PIPELINE requests in flight on the connection. */
  pipelinedPerSecond: number;
  pipeline: number;
  clients: number;
  requestsPerClient: number;
  /** `ps` latency with CLIENTS connections each asking in a loop. */
  concurrentP50Ms: number;
  concurrentP99Ms: number;
  psAgents: number;
  /** `ps --json` from a fresh CLI process at psAgents agents, median, and the same machine's `--version`. */
  psFreshMs: number;
  versionFreshMs: number;
  psBytes: number;
  /** GET /metrics at 500 agents (issue 13: under 20 ms of serve's time); null where it failed. */
  scrape: ScrapeCost | null;
}

const PIPELINE = 64;
const CLIENTS = 50;
const REQUESTS_PER_CLIENT = 40;

async function started(n: number, marker: string): Promise<PyorchestrateRun> {
  const run = new PyorchestrateRun(n, marker);
  activeRuns.add(run);
  await run.launch();
  const deadline = performance.now() + 60_000;
  while (!(await run.allRunning().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`pyorchestrate: ${n} agents not running within 60 s`);
    await Bun.sleep(20);
  }
  return run;
}

async function throughput(session: Session, inFlight: number, seconds: number): Promise<number> {
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const answer = await session.request("status", {}, 30_000);
      if (answer.status !== "success") throw new Error(`status: ${answer.error.message}`);
      done++;
    }
  };
  const from = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return done / ((performance.now() - from) / 1000);
}

export async function runExtras(marker: string, loadAgents: number, psAgents: number, versionSamples: number, log: (line: string) => void): Promise<Extras> {
  const load = await started(loadAgents, `${marker}.load`);
  let sequentialPerSecond: number;
  let pipelinedPerSecond: number;
  const latencies: number[] = [];
  try {
    const session = await Session.open(load.socket);
    await throughput(session, 1, 0.5); // warm-up
    sequentialPerSecond = await throughput(session, 1, 2);
    pipelinedPerSecond = await throughput(session, PIPELINE, 2);
    session.close();
    log(`  one connection: ${sequentialPerSecond.toFixed(0)} req/s one at a time, ${pipelinedPerSecond.toFixed(0)} req/s with ${PIPELINE} in flight`);
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => Session.open(load.socket)));
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
          const from = performance.now();
          const answer = await client.request("ps", {}, 30_000);
          if (answer.status !== "success") throw new Error(`ps: ${answer.error.message}`);
          latencies.push(performance.now() - from);
        }
      }),
    );
    for (const client of clients) client.close();
    log(`  ${CLIENTS} clients × ${REQUESTS_PER_CLIENT} ps: p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`);
  } finally {
    await load.stopAll().catch(() => {});
    await load.teardown();
    activeRuns.delete(load);
  }

  const big = await started(psAgents, `${marker}.ps`);
  const ps: number[] = [];
  const version: number[] = [];
  let psBytes = 0;
  try {
    // Interleaved, so drift hits both alike.
    for (let i = 0; i < versionSamples; i++) {
      version.push((await timedRun([BINARY, "--version"])).ms);
      const result = await timedRun(big.statusCommand.argv, big.statusCommand.env);
      if (result.exitCode !== 0) throw new Error(`ps --json exited ${result.exitCode}: ${result.stderr.slice(0, 300)}`);
      ps.push(result.ms);
      psBytes = result.stdout.length;
    }
    log(`  ps --json at N=${psAgents}: ${median(ps).toFixed(1)} ms (${(psBytes / 1024).toFixed(0)} KiB), --version ${median(version).toFixed(1)} ms`);
  } finally {
    await big.stopAll().catch(() => {});
    await big.teardown();
    activeRuns.delete(big);
  }
  let scrape: ScrapeCost | null = null;
  try {
    scrape = await measureScrape(`${marker}.metrics`, 500, 200, log);
  } catch (error) {
    log(`  /metrics: FAILED: ${(error as Error).message}`);
  }
  return {
    scrape,
    loadAgents,
    sequentialPerSecond,
    pipelinedPerSecond,
    pipeline: PIPELINE,
    clients: CLIENTS,
    requestsPerClient: REQUESTS_PER_CLIENT,
    concurrentP50Ms: percentile(latencies, 50),
    concurrentP99Ms: percentile(latencies, 99),
    psAgents,
    psFreshMs: median(ps),
    versionFreshMs: median(version),
    psBytes,
  };
}
