// Agents that speak sd_notify, on a fake clock: READY=1 gates `ready` dependents, WATCHDOG=1
// keeps a watchdog quiet and its absence restarts the agent, STATUS= and STOPPING=1 are kept,
// and a datagram from outside the run's process tree changes nothing.

import { expect, test } from "bun:test";
import type { HealthCheckConfig } from "../../src/config/types.ts";
import { agentConfig } from "../helpers/agent-config.ts";
import { FakeNotifyPort, fakeWorld, settle } from "../helpers/fake-lifecycle.ts";

const notify = (watchdog: number | null = null): HealthCheckConfig => ({
  target: { kind: "notify" },
  watchdog,
  interval: 1,
  timeout: 1,
  initial_delay: 0,
  success_threshold: 1,
  failure_threshold: 3,
});

test("READY=1 from the agent makes it ready and starts its `ready` dependents; its run gets NOTIFY_SOCKET", async () => {
  const port = new FakeNotifyPort();
  await using world = fakeWorld([agentConfig({ name: "Db", ready: notify() }), agentConfig({ name: "Api", depends_on: { Db: "ready" } })], {}, undefined, port);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  const db = spawner.live("Db");
  expect(db.env.NOTIFY_SOCKET).toBe(port.open_.get("Db"));
  expect(db.env.NOTIFY_SOCKET).toEndWith("/notify/Db.sock");
  await clock.advance(30_000);
  expect(orchestrator.mustGet("Db").status).toBe("starting");
  expect(spawner.running()).toEqual(["Db"]);
  orchestrator.notified("Db", { fields: { READY: "1", STATUS: "accepting connections" }, pid: db.pid });
  await settle();
  expect(orchestrator.mustGet("Db")).toMatchObject({ status: "running", statusText: "accepting connections" });
  expect(spawner.running()).toEqual(["Db", "Api"]);
  expect(orchestrator.healthOf(orchestrator.mustGet("Db")).ready).toMatchObject({ healthy: true });
});

test("a datagram from a process outside the run's tree is ignored", async () => {
  await using world = fakeWorld([agentConfig({ name: "Db", ready: notify() })]);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  orchestrator.notified("Db", { fields: { READY: "1", STATUS: "forged" }, pid: spawner.live("Db").pid + 1 });
  await settle();
  expect(orchestrator.mustGet("Db")).toMatchObject({ status: "starting", statusText: null });
  expect(world.types("Db")).not.toContain("AGENT_READY");
});

test("watchdog: WATCHDOG=1 in time keeps the agent; N seconds of silence restart it, with the reason", async () => {
  await using world = fakeWorld([agentConfig({ name: "Svc", ready: notify(5) })]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  const first = spawner.live("Svc");
  expect(first.env.WATCHDOG_USEC).toBe("5000000");
  orchestrator.notified("Svc", { fields: { READY: "1" }, pid: first.pid });
  for (let i = 0; i < 3; i++) {
    await clock.advance(4_000);
    orchestrator.notified("Svc", { fields: { WATCHDOG: "1" }, pid: first.pid });
  }
  await clock.advance(4_999);
  expect(first.alive).toBe(true);
  await clock.advance(1);
  expect(first.signals).toEqual(["SIGTERM"]);
  expect(world.types("Svc")).toContain("AGENT_WATCHDOG");
  expect(orchestrator.mustGet("Svc").lastError).toBe("watchdog: no WATCHDOG=1 for 5s");
  // Handled as a crash of a run that lasted over 10 s: it comes back at once, and the reason
  // stays in last_error until the new run says READY=1.
  expect(spawner.of("Svc")).toHaveLength(2);
  expect(orchestrator.mustGet("Svc").status).toBe("starting");
  orchestrator.notified("Svc", { fields: { READY: "1" }, pid: spawner.live("Svc").pid });
  expect(orchestrator.mustGet("Svc")).toMatchObject({ status: "running", lastError: null });
});

test("STOPPING=1 is recorded; a notify agent cannot start where serve has no receiver", async () => {
  await using world = fakeWorld([agentConfig({ name: "Svc", ready: notify() })]);
  world.orchestrator.begin();
  world.orchestrator.notified("Svc", { fields: { STOPPING: "1" }, pid: world.spawner.live("Svc").pid });
  expect(world.types("Svc")).toContain("AGENT_STOPPING");

  await using bare = fakeWorld([agentConfig({ name: "Svc", ready: notify() })], {}, undefined, null);
  bare.orchestrator.begin();
  await settle();
  expect(bare.orchestrator.mustGet("Svc").status).toBe("failed");
  expect(bare.orchestrator.mustGet("Svc").lastError).toContain("cannot receive notify datagrams");
});
