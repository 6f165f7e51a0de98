// Sampling CPU and memory must not cost serve a file descriptor per agent pid it has seen:
// under pid churn and steady stats polling, serve's open fds stay flat.

import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { serve } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

test.concurrent("stats and status under pid churn leave serve's open files where they were", async () => {
  using _slot = await serveSlot();
  // Ten periodic agents, each run a new short-lived pid.
  const agents = Array.from(
    { length: 10 },
    (_, i) => `[agents.Churn${i}]\ncommand = ["sleep", "0.05"]\nexecution_interval = 0.1\ndelay_compensation = true\n`,
  ).join("\n");
  await using served = await serve(agents);
  const before = openFds(served.proc.pid);
  const seen = new Set<number>();
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline) {
    const ps = await served.data("ps");
    for (const agent of ps.agents) if (agent.pid !== null) seen.add(agent.pid);
    await served.data("stats");
    await Promise.all(ps.agents.filter((a) => a.pid !== null).map((a) => served.call("status", { agent: a.name })));
  }
  // Enough distinct pids were sampled that keeping an fd for each would show.
  expect(seen.size).toBeGreaterThan(60);
  // Each live agent holds two pipes and a pidfd; allow for all ten being mid-run.
  expect(openFds(served.proc.pid) - before).toBeLessThan(35);
}, 30_000);
