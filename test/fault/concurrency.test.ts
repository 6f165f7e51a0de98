// Many clients changing one agent at once, and changing commands during a shutdown: the loser of
// a race gets ORCHESTRATOR_BUSY or the already-in-state error, and there is never more than the
// one process group the orchestrator reports for the agent — nor any after it is stopped.

import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import type { AgentStatusData } from "../../src/protocol/commands.ts";
import type { Envelope } from "../../src/protocol/envelope.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";
import { agent, armed, inStatus, psOf, running, sh, statusOf } from "../helpers/agents-toml.ts";
import { rawConnect } from "../helpers/raw-socket.ts";
import { mulberry32 } from "../helpers/seeded.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

// ── harness ────────────────────────────────────────────────────────────────

type Changing = "start" | "stop" | "restart";
const CHANGING: readonly Changing[] = ["start", "stop", "restart"];

/** Leaves on TERM after a short while, so a stop or restart holds the agent long enough to be raced. */
const SLOW_TO_LEAVE = (seconds: number) => sh(`trap 'sleep ${seconds}; exit 0' TERM; while true; do sleep 0.05; done`);

/** Errors a loser may get, by command: restart never finds the agent "in state" (it starts a stopped one). */
const LOSER_CODES: Record<Changing, string[]> = {
  start: ["ORCHESTRATOR_BUSY", "AGENT_ALREADY_RUNNING"],
  stop: ["ORCHESTRATOR_BUSY", "AGENT_NOT_RUNNING"],
  restart: ["ORCHESTRATOR_BUSY"],
};

interface Answer {
  command: Changing;
  envelope: Envelope;
}

/** The pid and process group of every live process carrying this serve's marker. */
function markedProcesses(served: Served): Array<{ pid: number; pgrp: number }> {
  const found: Array<{ pid: number; pgrp: number }> = [];
  for (const pid of served.leftovers()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      found.push({ pid, pgrp });
    } catch {
      // exited between the scan and the read
    }
  }
  return found;
}

/** Pids serve logged as started for `name`, in order. */
function startedPids(served: Served, name: string): number[] {
  return [...served.stderr().matchAll(new RegExp(` ${name} started \\(pid (\\d+)\\)`, "g"))].map((m) => Number(m[1]));
}

/**
 * Waits until `name` is settled (running with a pid, or stopped) and the processes on the machine
 * agree with it: one process group, led by the pid status reports, or none at all. A group member
 * killed a moment ago may take a few ms to die, hence the wait; a leaked one never does.
 */
async function expectOneGroupOrNone(served: Served, name: string, context: string): Promise<AgentStatusData> {
  let last: unknown = null;
  const settled = await waitFor(
    async () => {
      const status = await statusOf(served, name);
      const processes = markedProcesses(served);
      last = { status: status.status, pid: status.pid, processes };
      if (status.status === "stopped") return processes.length === 0 && status;
      if (status.status !== "running" || status.pid === null) return false;
      const leaders = processes.filter((p) => p.pid === p.pgrp).map((p) => p.pid);
      const outsiders = processes.filter((p) => p.pgrp !== status.pid);
      return leaders.length === 1 && leaders[0] === status.pid && outsiders.length === 0 && status;
    },
    `${name} to settle with at most its one known process group (${context})`,
    8_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(last)}`);
  });
  // Every process serve ever started for it is gone, except the one it reports now.
  const strays = startedPids(served, name).filter((pid) => pid !== settled.pid && markedProcesses(served).some((p) => p.pid === pid));
  expect({ context, strays }).toEqual({ context, strays: [] });
  return settled;
}

/** One client: `count` commands on `name` in a row, each on its own connection, each awaiting its answer. */
async function client(served: Served, name: string, pick: () => Changing, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i++) {
    const command = pick();
    answers.push({ command, envelope: await served.call(command, { agent: name }, 15_000) });
  }
  return answers;
}

/** Checks one answer against what its command may answer; returns the error code, or "success". */
function judge(answer: Answer, context: string): string {
  const { command, envelope } = answer;
  if (envelope.status === "error") {
    expect({ context, command, code: envelope.error.code, allowed: LOSER_CODES[command].includes(envelope.error.code) }).toEqual({
      context,
      command,
      code: envelope.error.code,
      allowed: true,
    });
    return envelope.error.code;
  }
  const data = envelope.data as Record<string, unknown>;
  if (command === "stop") {
    // The agent always leaves on TERM well within stop_timeout: a SIGKILL here would be a double stop gone wrong.
    expect({ context, data }).toEqual({ context, data: { agent: "Raced", action: "stopped", graceful_shutdown: true } });
  } else {
    expect({ context, action: data.action, pid: typeof data.pid }).toEqual({
      context,
      action: command === "start" ? "started" : "restarted",
      pid: "number",
    });
  }
  return "success";
}

// ── racing clients ─────────────────────────────────────────────────────────

concurrent(
  "30 clients racing start/stop/restart of one agent: losers get BUSY or the in-state error, never two process groups",
  async () => {
    await using served = await serve(agent("Raced", { command: SLOW_TO_LEAVE(0.2), stop_timeout: 5 }));
    await running(served, "Raced");
    const tally: Record<string, number> = {};
    const seed = Date.now();
    const rng = mulberry32(seed);
    for (let round = 1; round <= 10; round++) {
      const context = `round ${round}, seed ${seed}`;
      // Each round has its own mix, so some are mostly starts (ALREADY_RUNNING) and some mostly stops (NOT_RUNNING).
      const weights = CHANGING.map(() => rng());
      const total = weights.reduce((sum, w) => sum + w, 0);
      const pick = (): Changing => {
        let r = rng() * total;
        for (const [i, command] of CHANGING.entries()) {
          r -= weights[i] as number;
          if (r <= 0) return command;
        }
        return "restart";
      };
      const answers = (await Promise.all(Array.from({ length: 30 }, () => client(served, "Raced", pick, 3)))).flat();
      expect(answers.length).toBe(90);
      for (const answer of answers) {
        const outcome = `${answer.command}:${judge(answer, context)}`;
        tally[outcome] = (tally[outcome] ?? 0) + 1;
      }
      await expectOneGroupOrNone(served, "Raced", context);
    }
    // The test must be able to fail: the races really happened, and some commands won them.
    const count = (suffix: string) => Object.entries(tally).reduce((sum, [key, n]) => (key.endsWith(suffix) ? sum + n : sum), 0);
    expect({ busy: count(":ORCHESTRATOR_BUSY") > 0, successes: count(":success") > 0, tally }).toEqual({
      busy: true,
      successes: true,
      tally,
    });
    // Serve is healthy afterwards and leaves nothing behind.
    expect(served.stderr()).not.toMatch(/uncaught exception|unhandled rejection|failed unexpectedly/);
    expect(await served.stop()).toBe(0);
    expect(served.leftovers()).toEqual([]);
  },
  40_000,
);

concurrent("while a stop is under way, every other client's start/stop/restart of that agent gets ORCHESTRATOR_BUSY", async () => {
  // 2 s to leave: ample time for the losers' answers, even on a loaded machine. The ready check
  // holds `running` back until the TERM trap is set: a stop before that would end it at once.
  const armed = sh(`trap 'sleep 2; exit 0' TERM; echo armed; while true; do sleep 0.05; done`);
  await using served = await serve(`${agent("Held", { command: armed, stop_timeout: 5 })}[agents.Held.ready]\nlog = "^armed$"\n`);
  const { pid } = await running(served, "Held");
  const stopping = served.call("stop", { agent: "Held" });
  await inStatus(served, "Held", "stopping", 3_000);
  const losers = await Promise.all(CHANGING.flatMap((command) => [1, 2, 3].map(() => served.call(command, { agent: "Held" }))));
  expect(losers.map((envelope) => (envelope.status === "error" ? envelope.error.code : "success"))).toEqual(
    Array.from({ length: 9 }, () => "ORCHESTRATOR_BUSY"),
  );
  // The busy answers came while the stop still held the agent: its process was still there.
  expect(markedProcesses(served).some((p) => p.pid === pid)).toBe(true);
  const winner = await stopping;
  expect(winner).toMatchObject({ status: "success", data: { agent: "Held", action: "stopped", graceful_shutdown: true } });
  expect(await psOf(served, "Held")).toMatchObject({ status: "stopped", pid: null });
  expect(served.leftovers()).toEqual([]);
  // Once the stop is done, the agent is free again.
  expect(await served.call("start", { agent: "Held" })).toMatchObject({ status: "success", data: { action: "started" } });
  await expectOneGroupOrNone(served, "Held", "after the stop");
});

// ── during shutdown ────────────────────────────────────────────────────────

concurrent("during shutdown: start/stop/restart/shutdown from 30 clients get ORCHESTRATOR_BUSY; nothing starts, nothing remains", async () => {
  await using served = await serve(
    agent("Slow", { command: SLOW_TO_LEAVE(2), stop_timeout: 5 }) + agent("Idle", { command: ["sleep", "30"], autostart: false }),
  );
  // Its trap set, Slow takes its 2 s to leave, whenever the shutdown's TERM comes.
  await armed(served, "Slow");
  using shutdown = await rawConnect(served.socket);
  await shutdown.send(`${JSON.stringify({ id: "bye", command: "shutdown", args: {} })}\n`);
  expect(await shutdown.next()).toMatchObject({ id: "bye", status: "success", stream: true, data: { action: "shutdown_initiated", agents_to_stop: 1 } });

  const calls: Array<Promise<{ command: string; name: string; envelope: Envelope }>> = Array.from({ length: 30 }, (_, i) => {
    const command = CHANGING[i % 3] as Changing;
    const name = i % 2 === 0 ? "Slow" : "Idle";
    return served.call(command, { agent: name }).then((envelope) => ({ command, name, envelope }));
  });
  calls.push(served.call("shutdown").then((envelope) => ({ command: "shutdown", name: "-", envelope })));
  const answers = await Promise.all(calls);
  expect(answers.map(({ command, name, envelope }) => `${command} ${name}: ${envelope.status === "error" ? envelope.error.code : "success"}`)).toEqual(
    answers.map(({ command, name }) => `${command} ${name}: ORCHESTRATOR_BUSY`),
  );
  // Reading still works while it stops, and shows the agent on its way out.
  expect(await psOf(served, "Slow")).toMatchObject({ status: "stopping" });

  const rest: Envelope[] = [];
  while (rest.at(-1)?.end !== true) rest.push(await shutdown.next(8_000));
  expect(rest.map((frame) => frame.status === "success" && frame.data)).toEqual([
    { action: "agent_stopped", agent: "Slow", graceful_shutdown: true },
    { action: "shutdown_complete", agents_stopped: 1, all_graceful: true },
  ]);
  expect(await served.proc.exited).toBe(0);
  expect(served.leftovers()).toEqual([]);
  expect(startedPids(served, "Idle")).toEqual([]);
  expect(startedPids(served, "Slow").length).toBe(1);
});

concurrent("a shutdown in the middle of a command storm: no agent process is started after it began, none remains", async () => {
  await using served = await serve(agent("Storm", { command: SLOW_TO_LEAVE(0.2), stop_timeout: 5 }));
  await running(served, "Storm");
  const seed = Date.now();
  const rng = mulberry32(seed);
  const pick = () => CHANGING[Math.floor(rng() * CHANGING.length)] as Changing;
  let shutdownAt = Number.POSITIVE_INFINITY;
  const outcomes: string[] = [];
  const stormer = async () => {
    for (let i = 0; i < 40; i++) {
      const command = pick();
      try {
        const envelope = await served.call(command, { agent: "Storm" }, 15_000);
        outcomes.push(envelope.status === "success" ? "success" : envelope.error.code);
      } catch (error) {
        // Once serve has closed its socket, the storm is over for this client.
        const code = error instanceof ProtocolError ? error.code : String(error);
        outcomes.push(Date.now() >= shutdownAt ? "gone" : `unexpected ${code}`);
        return;
      }
    }
  };
  const storm = Array.from({ length: 20 }, stormer);
  // Shut down once the storm has produced a few answers, mid-race.
  await waitFor(() => outcomes.length >= 30, "the storm to get going");
  shutdownAt = Date.now();
  const shutdown = await served.call("shutdown");
  expect(shutdown).toMatchObject({ status: "success", data: { action: "shutdown_initiated" } });
  await Promise.all(storm);
  expect(await served.proc.exited).toBe(0);

  const unexpected = outcomes.filter((code) => !["success", "gone", "ORCHESTRATOR_BUSY", "AGENT_ALREADY_RUNNING", "AGENT_NOT_RUNNING"].includes(code));
  expect({ seed, unexpected }).toEqual({ seed, unexpected: [] });
  expect(served.leftovers()).toEqual([]);
  // Nothing was started once the shutdown began (serve logs in order).
  const log = served.stderr();
  const began = log.indexOf("shutting down:");
  expect(began).toBeGreaterThan(0);
  expect(log.slice(began)).not.toMatch(/Storm started \(pid/);
});
