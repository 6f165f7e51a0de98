// Periodic agents on a fake clock: fixed delay, fixed rate, cron, limits, timeouts and the three
// overlap policies — the timing the real-time tests only bound, asserted here to the millisecond.

import { expect, test } from "bun:test";
import type { AgentConfig } from "../../src/config/types.ts";
import { agentConfig, cronOf } from "../helpers/agent-config.ts";
import { FakeClock, fakeWorld, settle } from "../helpers/fake-lifecycle.ts";

const periodic = (name: string, overrides: Partial<AgentConfig> = {}) => agentConfig({ name, kind: "periodic", execution_interval: 10, ...overrides });

/** When each run of `agent` started, in ms since the world began. */
function starts(world: ReturnType<typeof fakeWorld>, agent: string, origin: number): number[] {
  return world.spawner.of(agent).map((child) => child.startedAt - origin);
}

test("fixed delay: each run starts an interval after the previous one ended; the limit completes the agent", async () => {
  await using world = fakeWorld([periodic("Delay", { limit: 3 })]);
  const { orchestrator, clock, spawner } = world;
  const origin = clock.now();
  orchestrator.begin();
  for (let run = 0; run < 3; run++) {
    await clock.advance(4_000);
    spawner.live("Delay").exit(0);
    await settle();
    if (run < 2) expect(orchestrator.mustGet("Delay")).toMatchObject({ status: "waiting", waitingReason: "next_run" });
    await clock.advance(10_000);
  }
  expect(starts(world, "Delay", origin)).toEqual([0, 14_000, 28_000]);
  expect(orchestrator.mustGet("Delay").status).toBe("completed");
  expect(world.types("Delay").filter((type) => type === "EXECUTION_COMPLETED")).toHaveLength(3);
});

test("fixed rate: runs stay on the interval grid; a run still going at a tick is skipped, never overlapped", async () => {
  await using world = fakeWorld([periodic("Rate", { delay_compensation: true, limit: 3 })]);
  const { orchestrator, clock, spawner } = world;
  const origin = clock.now();
  orchestrator.begin();
  await clock.advance(15_000);
  spawner.live("Rate").exit(0);
  await clock.advance(5_000);
  await clock.advance(3_000);
  spawner.live("Rate").exit(0);
  await clock.advance(7_000);
  spawner.live("Rate").exit(0);
  await settle();
  // Run 1 at 0 s took 15 s: the 10 s tick was skipped, run 2 came at 20 s, run 3 at 30 s.
  expect(starts(world, "Rate", origin)).toEqual([0, 20_000, 30_000]);
  expect(world.types("Rate").filter((type) => type === "EXECUTION_SKIPPED")).toHaveLength(1);
  expect(orchestrator.mustGet("Rate").status).toBe("completed");
});

test("overlap = queue: the run that fell due starts the moment the previous one ends", async () => {
  await using world = fakeWorld([periodic("Queue", { delay_compensation: true, overlap: "queue" })]);
  const { orchestrator, clock, spawner } = world;
  const origin = clock.now();
  orchestrator.begin();
  await clock.advance(12_500);
  expect(world.types("Queue")).toContain("EXECUTION_QUEUED");
  spawner.live("Queue").exit(0);
  await settle();
  expect(starts(world, "Queue", origin)).toEqual([0, 12_500]);
});

test("overlap = kill: the run going is ended with its stop signal and the due run starts", async () => {
  await using world = fakeWorld([periodic("Kill", { delay_compensation: true, overlap: "kill" })]);
  const { orchestrator, clock, spawner } = world;
  const origin = clock.now();
  orchestrator.begin();
  await clock.advance(10_000);
  expect(spawner.of("Kill")[0]?.signals).toEqual(["SIGTERM"]);
  expect(starts(world, "Kill", origin)).toEqual([0, 10_000]);
  expect(orchestrator.mustGet("Kill").status).toBe("running");
});

test("a run past its timeout is ended (SIGKILL after stop_timeout if it ignores its signal) and recorded", async () => {
  await using world = fakeWorld([periodic("Slow", { timeout: 5, stop_timeout: 2, limit: 1 })]);
  const { orchestrator, clock, spawner } = world;
  spawner.stubborn.add("Slow");
  orchestrator.begin();
  await clock.advance(5_000);
  expect(spawner.live("Slow").signals).toEqual(["SIGTERM"]);
  await clock.advance(2_000);
  expect(spawner.of("Slow")[0]?.signals).toEqual(["SIGTERM", "SIGKILL"]);
  expect(world.types("Slow")).toContain("EXECUTION_TIMEOUT");
  expect(orchestrator.mustGet("Slow").status).toBe("failed");
});

test("cron: runs fall on the minutes the expression names, in the schedule's clock", async () => {
  // 10:00:30 on the schedule's clock: */2 is due at 10:02, 10:04 …
  const clock = new FakeClock(Date.parse("2026-01-05T10:00:30Z"));
  await using world = fakeWorld([periodic("Cron", { execution_interval: null, schedule: "*/2 * * * *", cron: cronOf("*/2 * * * *") })], {}, clock);
  const { orchestrator, spawner } = world;
  const origin = clock.now();
  orchestrator.begin();
  expect(orchestrator.mustGet("Cron")).toMatchObject({ status: "waiting", waitingReason: "next_run" });
  for (let i = 0; i < 2; i++) {
    await clock.advance(120_000);
    spawner.live("Cron").exit(0);
  }
  await settle();
  const minute = (ms: number) => new Date(origin + ms).toTimeString().slice(0, 5);
  expect(starts(world, "Cron", origin).map(minute)).toEqual([minute(90_000), minute(210_000)]);
});

test("a periodic provider between runs counts as started for its dependents", async () => {
  await using world = fakeWorld([periodic("Tick"), agentConfig({ name: "User", depends_on: { Tick: "started" } })]);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  expect(spawner.running().sort()).toEqual(["Tick", "User"]);
  spawner.live("Tick").exit(0);
  await settle();
  expect(orchestrator.mustGet("User").status).toBe("running");
});

test("run: one manual run now, outside the schedule: its next run and its limit are untouched", async () => {
  await using world = fakeWorld([periodic("Backup", { execution_interval: 60, limit: 2 })]);
  const { orchestrator, clock, spawner } = world;
  const origin = clock.now();
  orchestrator.begin();
  spawner.live("Backup").exit(0);
  await settle();
  const nextRun = orchestrator.mustGet("Backup").nextRunAt;
  expect(nextRun).toBe(origin + 60_000);
  await clock.advance(10_000);
  await orchestrator.run("Backup");
  expect(spawner.running()).toEqual(["Backup"]);
  await clock.advance(2_000);
  spawner.live("Backup").exit(3);
  await settle();
  expect(orchestrator.mustGet("Backup")).toMatchObject({ status: "waiting", waitingReason: "next_run", nextRunAt: nextRun, runsDone: 1 });
  expect(world.types("Backup")).toEqual(["EXECUTION_STARTED", "EXECUTION_COMPLETED", "EXECUTION_STARTED", "EXECUTION_FAILED"]);
  // The scheduled second run still comes at 60 s and still completes the limit of 2.
  await clock.advance(48_000);
  spawner.live("Backup").exit(0);
  await settle();
  expect(starts(world, "Backup", origin)).toEqual([0, 10_000, 60_000]);
  expect(orchestrator.mustGet("Backup").status).toBe("completed");
});

test("run of a stopped periodic agent runs it once and leaves it stopped; a run already going is refused under skip", async () => {
  await using world = fakeWorld([periodic("Report", { autostart: false })]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  await orchestrator.run("Report");
  await expect(orchestrator.run("Report")).rejects.toMatchObject({ code: "AGENT_ALREADY_RUNNING" });
  spawner.live("Report").exit(0);
  await settle();
  expect(orchestrator.mustGet("Report")).toMatchObject({ status: "stopped", nextRunAt: null });
  await clock.advance(120_000);
  expect(spawner.of("Report")).toHaveLength(1);
});

test("run with a run going: overlap queue runs one right after it; a looping agent is refused", async () => {
  await using world = fakeWorld([periodic("Q", { overlap: "queue" }), agentConfig({ name: "Loop" })]);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  await orchestrator.run("Q");
  expect(world.types("Q")).toContain("EXECUTION_QUEUED");
  spawner.live("Q").exit(0);
  await settle();
  expect(spawner.of("Q")).toHaveLength(2);
  await expect(orchestrator.run("Loop")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
});
