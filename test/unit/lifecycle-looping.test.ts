// The real Orchestrator on a fake clock and fake processes: crash loops, backoff, the crash-loop
// guard, stops during starting and backoff, restarts and the max_workers queue, in milliseconds.

import { expect, test } from "bun:test";
import { agentConfig, readyOnLine } from "../helpers/agent-config.ts";
import { fakeWorld, settle } from "../helpers/fake-lifecycle.ts";

test("a crash loop backs off 1 s, 2 s, 4 s … and fails once max_restarts exits fall inside restart_window", async () => {
  await using world = fakeWorld([agentConfig({ name: "Crash", max_restarts: 3, restart_window: 60 })]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    spawner.live("Crash").exit(1);
    await settle();
    const runtime = orchestrator.mustGet("Crash");
    expect(runtime.status).toBe("backoff");
    const delay = (runtime.nextRunAt ?? 0) - clock.now();
    delays.push(delay);
    // Not a moment early: just before the delay the agent is still backing off.
    await clock.advance(delay - 1);
    expect(runtime.status).toBe("backoff");
    await clock.advance(1);
    expect(runtime.status).toBe("running");
  }
  // ±10 % jitter around 1 s, 2 s, 4 s.
  delays.forEach((delay, i) => {
    expect(delay).toBeGreaterThanOrEqual(0.9 * 1000 * 2 ** i);
    expect(delay).toBeLessThanOrEqual(1.1 * 1000 * 2 ** i);
  });
  spawner.live("Crash").exit(1);
  await settle();
  expect(orchestrator.mustGet("Crash").status).toBe("failed");
  expect(world.types("Crash").filter((type) => type === "AGENT_BACKOFF")).toHaveLength(3);
  expect(world.types("Crash").at(-1)).toBe("AGENT_FAILED");
  expect(orchestrator.events.all().at(-1)?.details.reason).toBe("crash loop: 4 exits within 60s (max_restarts 3)");
  expect(spawner.of("Crash")).toHaveLength(4);
});

test("exits spread wider than restart_window never trip the guard", async () => {
  await using world = fakeWorld([agentConfig({ name: "Slow", max_restarts: 2, restart_window: 5 })]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  for (let i = 0; i < 6; i++) {
    await clock.advance(3_000);
    spawner.live("Slow").exit(1);
    await clock.advance(70_000);
  }
  expect(orchestrator.mustGet("Slow").status).toBe("running");
  expect(spawner.of("Slow")).toHaveLength(7);
});

test("a run of 10 s or more comes back at once, without backoff, and resets the backoff", async () => {
  await using world = fakeWorld([agentConfig({ name: "Stable", restart: "always" })]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  await clock.advance(10_000);
  spawner.live("Stable").exit(0);
  await settle();
  expect(orchestrator.mustGet("Stable").status).toBe("running");
  expect(orchestrator.mustGet("Stable").restarts).toBe(1);
  expect(world.types("Stable")).toEqual(["AGENT_STARTED", "AGENT_EXITED", "AGENT_RESTARTED", "AGENT_STARTED"]);
});

test("restart policies: on-failure leaves a clean exit completed, never leaves a crash failed", async () => {
  await using world = fakeWorld([agentConfig({ name: "Clean" }), agentConfig({ name: "Never", restart: "never" })]);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  spawner.live("Clean").exit(0);
  spawner.live("Never").exit(3);
  await settle();
  expect(orchestrator.mustGet("Clean").status).toBe("completed");
  expect(orchestrator.mustGet("Never")).toMatchObject({ status: "failed", lastExitCode: 3 });
});

test("a missing program backs off like exit 127 with the reason in last_error; a refused account fails at once", async () => {
  await using world = fakeWorld([agentConfig({ name: "Missing" }), agentConfig({ name: "Refused" })]);
  const { orchestrator, spawner } = world;
  spawner.missing.add("Missing");
  spawner.refused.add("Refused");
  orchestrator.begin();
  await settle();
  expect(orchestrator.mustGet("Missing")).toMatchObject({ status: "backoff", lastExitCode: 127 });
  expect(orchestrator.mustGet("Missing").lastError).toContain("ENOENT");
  expect(orchestrator.mustGet("Refused")).toMatchObject({ status: "failed", lastExitCode: null });
});

test("stop during backoff ends the retry; stop of a stubborn agent needs SIGKILL after stop_timeout", async () => {
  await using world = fakeWorld([agentConfig({ name: "Backing" }), agentConfig({ name: "Stubborn", stop_timeout: 3 })]);
  const { orchestrator, clock, spawner } = world;
  spawner.stubborn.add("Stubborn");
  orchestrator.begin();
  spawner.live("Backing").exit(1);
  await settle();
  expect(await orchestrator.stop("Backing")).toBe(true);
  await clock.advance(120_000);
  expect(orchestrator.mustGet("Backing").status).toBe("stopped");
  expect(spawner.of("Backing")).toHaveLength(1);

  const stopping = orchestrator.stop("Stubborn");
  await clock.advance(2_999);
  expect(orchestrator.mustGet("Stubborn").status).toBe("stopping");
  await clock.advance(1);
  expect(await stopping).toBe(false);
  expect(spawner.of("Stubborn")[0]?.signals).toEqual(["SIGTERM", "SIGKILL"]);
  expect(orchestrator.mustGet("Stubborn").status).toBe("stopped");
});

test("stop while starting (ready check pending) stops the process; a second command meanwhile is BUSY", async () => {
  const ready = readyOnLine("up");
  await using world = fakeWorld([agentConfig({ name: "Slow", ready })]);
  const { orchestrator, spawner } = world;
  spawner.stubborn.add("Slow");
  orchestrator.begin();
  expect(orchestrator.mustGet("Slow").status).toBe("starting");
  const stopping = orchestrator.stop("Slow");
  await expect(orchestrator.start("Slow")).rejects.toMatchObject({ code: "ORCHESTRATOR_BUSY" });
  spawner.live("Slow").exit(0);
  expect(await stopping).toBe(true);
  expect(orchestrator.mustGet("Slow").status).toBe("stopped");
});

test("max_workers: the rest wait in FIFO order with their place in line; a restart keeps its slot", async () => {
  const names = ["A", "B", "C", "D"];
  await using world = fakeWorld(
    names.map((name) => agentConfig({ name })),
    { max_workers: 2 },
  );
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  expect(spawner.running()).toEqual(["A", "B"]);
  const positions = [...orchestrator.queuePositions()].map(([runtime, place]) => [runtime.config.name, place]);
  expect(positions).toEqual([
    ["C", 1],
    ["D", 2],
  ]);
  expect(orchestrator.mustGet("C").waitingReason).toBe("queued");

  await orchestrator.restart("A");
  expect(spawner.running().sort()).toEqual(["A", "B"]);
  expect(orchestrator.mustGet("A").restarts).toBe(1);

  await orchestrator.stop("B");
  expect(spawner.running().sort()).toEqual(["A", "C"]);
  spawner.live("A").exit(0);
  await settle();
  expect(spawner.running().sort()).toEqual(["C", "D"]);
});
