// serve's fds and RSS measured at a quiet moment: load paused and drained, live agent processes
// stable between two ps answers. The baseline and the end of the growth verdict.

import { join } from "node:path";
import type { PsAgent } from "../../src/protocol/commands.ts";
import { median } from "../lib/measure.ts";
import { fdCount, fdKinds, rssBytes } from "../lib/procfs.ts";
import { pause } from "./interrupt.ts";
import { type Measure, psNow, type Run } from "./run.ts";

/** serve holds two output sockets and a pidfd per live agent process (measured on Linux, Bun 1.4). */
export const FDS_PER_LIVE_AGENT = 3;

async function drainLoad(run: Run, bound = 60_000): Promise<void> {
  const deadline = Date.now() + bound;
  while (run.load.inFlight > 0 && Date.now() < deadline) await pause(10);
}

/**
 * serve's fds and RSS with no client connected and churn paused. Open fds move with the number of
 * live agent processes, so they are counted less FDS_PER_LIVE_AGENT each, taken between two ps
 * answers that agree on the live pids; the agents' log files are counted apart (bounded by the
 * number of agents, checked in growthVerdict).
 */
export async function quietMeasure(run: Run): Promise<Measure | null> {
  const serve = run.serve;
  if (!serve) return null;
  run.load.paused = true;
  try {
    await drainLoad(run);
    await pause(300); // serve closes the connections the clients just dropped
    const measures: Measure[] = [];
    for (let attempt = 0; attempt < 30 && measures.length < 3; attempt++) {
      const before = await psNow(run);
      await pause(50);
      const rawFds = fdCount(serve.pid);
      const kinds = fdKinds(serve.pid);
      const rss = rssBytes(serve.pid);
      await pause(50);
      const after = await psNow(run);
      await pause(100);
      if (!before || !after || rawFds === null || rss === null) continue;
      const livePids = (agents: PsAgent[]) =>
        agents
          .flatMap((agent) => (agent.pid === null ? [] : [agent.pid]))
          .sort()
          .join(",");
      if (livePids(before) !== livePids(after)) continue;
      const live = before.filter((agent) => agent.pid !== null).length;
      const logFiles = kinds.get(`${join(run.dir, "state", "logs")}/*`) ?? 0;
      measures.push({ fds: rawFds - FDS_PER_LIVE_AGENT * live - logFiles, logFiles, rawFds, live, rss, kinds });
    }
    if (measures.length === 0) return null;
    const fewest = measures.reduce((a, b) => (b.fds < a.fds ? b : a));
    return { ...fewest, rss: median(measures.map((measure) => measure.rss)) };
  } finally {
    run.load.paused = false;
  }
}
