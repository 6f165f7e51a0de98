// The load of a soak run: clients looping ps/status/stats/report (and checking what ps says),
// churners starting, stopping, restarting and kill -9ing agents, and a 1 s sampler of serve.

import type { PsAgent } from "../../src/protocol/commands.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import { fdCount, markedProcesses, rssBytes } from "../lib/procfs.ts";
import { pick } from "../lib/random.ts";
import { Session } from "../lib/session.ts";
import { MARKER_ENV } from "./plan.ts";
import { entryProblem, psProblems } from "./ps-rules.ts";
import { directTo, elapsedSeconds, killMarked, type Run, serveAlive } from "./run.ts";

export async function clientLoop(run: Run, index: number): Promise<void> {
  // Odd clients keep one connection for many requests; even ones connect per request, like the CLI.
  const persistent = index % 2 === 1;
  const direct = directTo(run);
  let session: Session | null = null;
  const lastRestarts = new Map<string, number>();
  while (!run.load.stopped) {
    if (run.load.paused) {
      session?.close();
      session = null;
      await Bun.sleep(20);
      continue;
    }
    run.load.inFlight++;
    try {
      let transport = direct;
      if (persistent) {
        if (!session || session.closed) {
          try {
            session = await Session.open(run.socket);
          } catch (error) {
            run.tally.outcome("connect", error instanceof ProtocolError ? error.code : String(error));
            await Bun.sleep(50);
            continue;
          }
        }
        const open = session;
        transport = (command, args, timeoutMs) => open.request(command, args, timeoutMs);
      }
      const roll = run.random();
      const agent = pick(run.plans, run.random).name;
      if (roll < 0.4) {
        const envelope = await run.tally.send(transport, "ps", {});
        if (envelope?.status === "success") checkPs(run, envelope.data.agents, lastRestarts);
      } else if (roll < 0.7) {
        const envelope = await run.tally.send(transport, "status", { agent });
        if (envelope?.status === "success" && "kind" in envelope.data) {
          const problem = entryProblem(envelope.data, run.byName.get(agent));
          if (problem) notePsProblem(run, `status: ${problem}`);
        }
      } else if (roll < 0.8) await run.tally.send(transport, "status", {});
      else if (roll < 0.95) await run.tally.send(transport, "stats", {});
      else await run.tally.send(transport, "report", {});
    } finally {
      run.load.inFlight--;
    }
    if (run.options.clientPauseMs > 0) await Bun.sleep(run.options.clientPauseMs);
  }
  session?.close();
}

function checkPs(run: Run, agents: PsAgent[], lastRestarts: Map<string, number>): void {
  run.psChecked++;
  for (const problem of psProblems(agents, run)) notePsProblem(run, problem);
  for (const agent of agents) {
    if (agent.pid !== null) run.pidsSeen.add(`${agent.name}:${agent.pid}`);
    // Answers on one client come in time order, and the restart counter only ever grows.
    const before = lastRestarts.get(agent.name) ?? 0;
    if (agent.restarts < before) notePsProblem(run, `${agent.name}: restarts went from ${before} to ${agent.restarts}`);
    lastRestarts.set(agent.name, agent.restarts);
  }
}

function notePsProblem(run: Run, problem: string): void {
  run.psProblems.push(`${elapsedSeconds().toFixed(1)}s ${problem}`);
}

export async function churnLoop(run: Run): Promise<void> {
  const direct = directTo(run);
  while (!run.load.stopped) {
    if (run.load.paused) {
      await Bun.sleep(20);
      continue;
    }
    run.load.inFlight++;
    try {
      const roll = run.random();
      const agent = pick(run.plans, run.random).name;
      if (roll < 0.3) await run.tally.send(direct, "start", { agent });
      else if (roll < 0.55) await run.tally.send(direct, "stop", { agent });
      else if (roll < 0.75) await run.tally.send(direct, "restart", { agent });
      else await killSomething(run);
    } finally {
      run.load.inFlight--;
    }
    await Bun.sleep(run.options.churnPauseMs * (0.5 + run.random()));
  }
}

/** kill -9 of an agent's pid from ps (3 in 4) or of a descendant in some agent's group (1 in 4). */
async function killSomething(run: Run): Promise<void> {
  const envelope = await run.tally.send(directTo(run), "ps", {});
  if (envelope?.status !== "success") return;
  const leaders = envelope.data.agents.filter((agent) => agent.pid !== null);
  if (run.random() < 0.25) {
    const leaderPids = new Set(leaders.map((agent) => agent.pid));
    const descendants = markedProcesses(MARKER_ENV, run.marker).filter((process) => !leaderPids.has(process.pid));
    if (descendants.length === 0) return;
    if (killMarked(run, pick(descendants, run.random).pid, null)) run.kills.descendants++;
    return;
  }
  if (leaders.length === 0) return;
  const target = pick(leaders, run.random);
  if (target.pid !== null && killMarked(run, target.pid, target.name)) run.kills.leaders++;
}

/** serve's RSS and open fds every second while it lives. */
export function startSampler(run: Run): Timer {
  return setInterval(() => {
    if (!run.serve || !serveAlive(run)) return;
    const rss = rssBytes(run.serve.pid);
    const fds = fdCount(run.serve.pid);
    if (rss !== null && fds !== null) run.samples.push({ at: Date.now(), rss, fds });
  }, 1_000);
}
