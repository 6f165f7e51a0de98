// Soak test (not in CI): the compiled serve with many agents under start/stop/restart/kill -9
// churn and concurrent client load for a set time, then the invariants: every agent accounted
// for, no orphaned process, no fd or memory growth, and a shutdown that leaves nothing behind.
//
//   node_modules/.bin/bun bench/soak.ts [--duration 60] [--agents 50] [--clients 8] [--help]
//
// Exit 0 when every invariant holds, 1 when one does not, 2 on a usage error, 130 on Ctrl+C.
// It kills only what it started (serve by pid, agent processes by this run's env marker).
// The parts are in bench/soak/: options, plan (the config), load, ps-rules, the invariants
// (settle, accounting, verdicts), report, and phases (the run from start to cleanup).

import { existsSync, mkdtempSync } from "node:fs";
import { Interrupted, interrupt, isInterrupted } from "./soak/interrupt.ts";
import { parseOptions, type Options, USAGE } from "./soak/options.ts";
import { BINARY, cleanup, cleanupNow, soak } from "./soak/phases.ts";
import { createRun, progress, type Run } from "./soak/run.ts";

let current: Run | null = null;

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(BINARY)) {
    process.stderr.write(`${BINARY} is missing: run 'npm run build' first\n`);
    return 2;
  }
  const run = createRun(options, mkdtempSync("/tmp/pyo-soak-"));
  current = run;
  try {
    return await soak(run);
  } catch (error) {
    if (error instanceof Interrupted) {
      progress("interrupted: cleaning up");
      return 130;
    }
    throw error;
  } finally {
    await cleanup(run);
  }
}

function onSignal(): void {
  if (isInterrupted()) {
    if (current) cleanupNow(current);
    process.exit(130);
  }
  interrupt();
  if (current) current.load.stopped = true;
  process.stderr.write("\ninterrupted: stopping and cleaning up (again to force)\n");
}

process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
process.exit(await main());
