// Agents that misbehave: crash loops (backoff shown with its retry time, then failed, and start
// resets the guard), agents and runs that ignore SIGTERM (killed after stop_timeout, whole group),
// and agents that double-fork inside their group (everything goes with the group).

import { expect } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentStatusData } from "../../src/protocol/commands.ts";
import { agent, inStatus, psOf, running, sh, statusOf, until } from "../helpers/agents-toml.ts";
import { groupMembers, isAlive } from "../helpers/processes.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

// ── harness ────────────────────────────────────────────────────────────────

/** Lines of a file the agent writes in the serve folder; [] before it exists. */
function linesOf(served: Served, file: string): string[] {
  const path = join(served.dir, file);
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** The time (ms) of serve's first log line containing `text`; NaN when there is none. */
function loggedAt(served: Served, text: string | RegExp): number {
  const line = served
    .stderr()
    .split("\n")
    .find((l) => (typeof text === "string" ? l.includes(text) : text.test(l)));
  return line === undefined ? Number.NaN : Date.parse(line.split(" ")[0] ?? "");
}

/** Event counts by type, from `report` (the command interface's view of the event ring). */
async function eventCounts(served: Served): Promise<Record<string, number>> {
  const report = (await served.data("report")) as unknown as { events: { by_type: Record<string, number> } };
  return report.events.by_type;
}

/** Whether the process ignores SIGTERM (bit 15 of SigIgn in /proc/PID/status). */
function ignoresTerm(pid: number): boolean {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("SigIgn:"));
  return ((BigInt(`0x${line?.split(/\s+/)[1] ?? "0"}`) >> 14n) & 1n) === 1n;
}

// ── crash loops ────────────────────────────────────────────────────────────

concurrent(
  "crash loop: backoff in ps and status with a growing retry time and rising restarts, failed after the guard trips, start resets it",
  async () => {
    // max_restarts = 3 within 60 s: exits 1-3 back off (1 s, 2 s, 4 s), the 4th gives up.
    await using served = await serve(agent("Loop", { command: sh("echo run >> runs; exit 1"), restart: "on-failure", max_restarts: 3, restart_window: 60 }));
    for (const [restarts, delayMs] of [
      [0, 1_000],
      [1, 2_000],
      [2, 4_000],
    ] as const) {
      const row = await until(served, "Loop", (r) => r.status === "backoff" && r.restarts === restarts, `to back off (restarts ${restarts})`, 8_000);
      const observedAt = Date.now();
      const status = await statusOf(served, "Loop");
      // ps and status tell the same story: no process, the retry time, the restarts so far, the exit code.
      expect(status).toMatchObject({ status: "backoff", pid: null, restarts, last_exit_code: 1, next_run: row.next_run });
      expect(status.next_run).toEqual(expect.any(String));
      const gapMs = Date.parse(status.next_run as string) - observedAt;
      // next_run has second precision (floored): up to 1 s early, never later than the delay plus its 10 % jitter.
      expect(gapMs).toBeLessThanOrEqual(delayMs * 1.1 + 50);
      expect(gapMs).toBeGreaterThanOrEqual(delayMs * 0.9 - 1_000 - 500);
    }
    // The exact delays serve chose: 1 s, 2 s, 4 s, each within its ±10 % jitter (logged as "950ms" or "2.1s").
    const delays = [...served.stderr().matchAll(/Loop restarting in ([\d.]+)(ms|s) \(attempt (\d+)\)/g)].map((m) => [
      Number(m[3]),
      Number(m[1]) / (m[2] === "ms" ? 1000 : 1),
    ]);
    expect(delays.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    delays.forEach(([, seconds], i) => {
      const base = 2 ** i;
      expect(seconds).toBeGreaterThanOrEqual(base * 0.9 - 0.05);
      expect(seconds).toBeLessThanOrEqual(base * 1.1 + 0.05);
    });

    await inStatus(served, "Loop", "failed", 8_000);
    expect(await statusOf(served, "Loop")).toMatchObject({ status: "failed", pid: null, restarts: 3, last_exit_code: 1, next_run: null });
    expect(await psOf(served, "Loop")).toMatchObject({ status: "failed", pid: null, next_run: null });
    expect(linesOf(served, "runs").length).toBe(4);
    expect(await eventCounts(served)).toMatchObject({ AGENT_BACKOFF: 3, AGENT_FAILED: 1 });
    expect(served.stderr()).toContain("Loop failed: crash loop: 4 exits within 60s (max_restarts 3)");

    // start: the guard is reset — the agent runs again and its next exit backs off from 1 s, instead
    // of failing at once (5 exits in the window) or waiting 8 s (a 4th attempt).
    expect(await served.data("start", { agent: "Loop" })).toMatchObject({ agent: "Loop", action: "started" });
    await waitFor(() => linesOf(served, "runs").length === 5, "a fifth run after start");
    const again = await until(served, "Loop", (r) => r.status === "backoff" || r.status === "failed", "to settle after start");
    const gapMs = Date.parse(again.next_run ?? "") - Date.now();
    expect({ status: again.status, pid: again.pid, soon: gapMs <= 1_150 }).toEqual({ status: "backoff", pid: null, soon: true });
    expect(await served.data("stop", { agent: "Loop" })).toMatchObject({ action: "stopped" });
  },
  25_000,
);

concurrent("a crash-looping agent that double-forks a daemon on every run does not pile them up", async () => {
  // Each run leaves a grandchild, reparented away from the agent but still in its process group.
  await using served = await serve(
    agent("Spawner", { command: sh("(sleep 300 & echo $! >> orphans); exit 1"), restart: "on-failure", max_restarts: 2, restart_window: 60 }),
  );
  for (const restarts of [0, 1]) {
    await until(served, "Spawner", (r) => r.status === "backoff" && r.restarts === restarts, `to back off (restarts ${restarts})`);
    // Between runs nothing of the agent is left: the orphan went with its run's group.
    expect({ restarts, live: served.leftovers() }).toEqual({ restarts, live: [] });
  }
  await inStatus(served, "Spawner", "failed", 8_000);
  const orphans = linesOf(served, "orphans").map(Number);
  expect(orphans.length).toBe(3);
  expect(orphans.filter(isAlive)).toEqual([]);
  expect(served.leftovers()).toEqual([]);
});

// ── agents that ignore SIGTERM ─────────────────────────────────────────────

concurrent("stop and restart of an agent that ignores SIGTERM: SIGKILL after stop_timeout, graceful_shutdown false, whole group gone", async () => {
  // The background sleep ignores TERM too (an ignored signal stays ignored across exec).
  const script = "trap '' TERM; sleep 300 & echo $! >> deaf.child; while true; do sleep 0.05; done";
  await using served = await serve(agent("Deaf", { command: sh(script), stop_timeout: 1 }));
  const first = (await running(served, "Deaf")).pid as number;
  const child = Number(await waitFor(() => linesOf(served, "deaf.child")[0], "the background sleep"));
  expect({ leader: ignoresTerm(first), child: ignoresTerm(child), inGroup: groupMembers(first).includes(child) }).toEqual({
    leader: true,
    child: true,
    inGroup: true,
  });

  // restart has to kill it too; the new process is a new group, the old one is gone entirely.
  let t0 = Date.now();
  const restarted = await served.data("restart", { agent: "Deaf" });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  expect(restarted).toMatchObject({ agent: "Deaf", action: "restarted", status: "running" });
  const second = restarted.pid as number;
  expect(second).not.toBe(first);
  expect(groupMembers(first)).toEqual([]);
  expect(isAlive(child)).toBe(false);
  expect(served.stderr()).toMatch(/Deaf stopped \(pid \d+, killed with SIGKILL after stop_timeout\)/);
  await waitFor(() => linesOf(served, "deaf.child").length === 2, "the new group's background sleep");
  const secondChild = Number(linesOf(served, "deaf.child")[1]);

  t0 = Date.now();
  expect(await served.data("stop", { agent: "Deaf" })).toEqual({ agent: "Deaf", action: "stopped", graceful_shutdown: false });
  const took = Date.now() - t0;
  expect(took).toBeGreaterThanOrEqual(950);
  expect(took).toBeLessThan(4_000);
  expect(groupMembers(second)).toEqual([]);
  expect(isAlive(secondChild)).toBe(false);
  expect(served.leftovers()).toEqual([]);
  // 128 + SIGKILL: the status says how it ended.
  expect(await statusOf(served, "Deaf")).toMatchObject({ status: "stopped", pid: null, last_exit_code: 137 });
});

concurrent("a periodic run past its timeout that ignores SIGTERM and forks a grandchild: killed with its group, EXECUTION_TIMEOUT", async () => {
  const script = "trap '' TERM; sleep 300 & echo $! >> grandchildren; sleep 300";
  await using served = await serve(agent("Overrun", { command: sh(script), execution_interval: 1, timeout: 1, stop_timeout: 1, limit: 2 }));
  const run = await until(served, "Overrun", (r) => r.status === "running" && r.pid !== null, "to run");
  const leader = run.pid as number;
  await waitFor(() => linesOf(served, "grandchildren").length === 1, "the grandchild's pid");
  const grandchild = Number(linesOf(served, "grandchildren")[0]);
  expect({ inGroup: groupMembers(leader).includes(grandchild), deaf: ignoresTerm(grandchild) }).toEqual({ inGroup: true, deaf: true });

  // The run is recorded as timed out, and between runs it waits for the next one with nothing left.
  const between = await until(
    served,
    "Overrun",
    (r) => r.status === "waiting" && r.waiting_reason === "next_run",
    "to wait for its next run after the timeout",
    6_000,
  );
  expect(between.pid).toBeNull();
  expect(isAlive(leader)).toBe(false);
  expect(isAlive(grandchild)).toBe(false);
  expect(groupMembers(leader)).toEqual([]);
  const status: AgentStatusData = await statusOf(served, "Overrun");
  expect(status).toMatchObject({ status: "waiting", pid: null, last_exit_code: 137 });
  expect(served.stderr()).toMatch(/Overrun run 1 \(pid \d+, signal \w+\) timed out after/);
  // TERM at the timeout was ignored: the kill came stop_timeout later, not before and not much after.
  const ranMs = loggedAt(served, /Overrun run 1 \(pid \d+, signal \w+\) timed out/) - loggedAt(served, /Overrun run 1 (\(pid \d+\) )?started/);
  expect(ranMs).toBeGreaterThanOrEqual(1_900);
  expect(ranMs).toBeLessThan(3_500);

  // The second run does the same; with the limit reached, the agent has failed.
  await inStatus(served, "Overrun", "failed", 8_000);
  expect(await eventCounts(served)).toMatchObject({ EXECUTION_STARTED: 2, EXECUTION_TIMEOUT: 2 });
  expect(linesOf(served, "grandchildren").map(Number).filter(isAlive)).toEqual([]);
  expect(served.leftovers()).toEqual([]);
  expect(await statusOf(served, "Overrun")).toMatchObject({ status: "failed", pid: null, last_exit_code: 137, next_run: null });
});

// ── double forks inside the group ──────────────────────────────────────────

concurrent("stop of agents that double-fork inside their group ends all of them, even a grandchild deaf to SIGTERM", async () => {
  await using served = await serve(
    agent("Plain", { command: sh("(sleep 300 & echo $! > Plain.orphan) ; sleep 300") }) +
      // The orphan ignores TERM: only the group SIGKILL when its leader goes can end it.
      agent("DeafOrphan", { command: sh("(trap '' TERM; sleep 300 & echo $! > DeafOrphan.orphan) ; sleep 300"), stop_timeout: 10 }),
  );
  for (const name of ["Plain", "DeafOrphan"]) {
    const leader = (await running(served, name)).pid as number;
    const orphan = Number(await waitFor(() => linesOf(served, `${name}.orphan`)[0], `${name}'s double-forked sleep`));
    // Double-forked: its parent (the subshell) is gone, it was reparented, yet it is still in the agent's group.
    expect({ reparented: parentOf(orphan) !== leader, inGroup: groupMembers(leader).includes(orphan), deaf: ignoresTerm(orphan) }).toEqual({
      reparented: true,
      inGroup: true,
      deaf: name === "DeafOrphan",
    });

    const t0 = Date.now();
    expect(await served.data("stop", { agent: name })).toEqual({ agent: name, action: "stopped", graceful_shutdown: true });
    // Not a stop_timeout later: the leader left on TERM and took its group with it.
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect({ name, leader: isAlive(leader), orphan: isAlive(orphan), group: groupMembers(leader) }).toEqual({
      name,
      leader: false,
      orphan: false,
      group: [],
    });
  }
  expect(served.leftovers()).toEqual([]);
});
