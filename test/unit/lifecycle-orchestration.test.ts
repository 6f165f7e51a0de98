// Agents together on a fake clock: the three dependency conditions, a reload that changes an
// agent mid-run, and the shutdown order (dependents first, independent branches in parallel).

import { expect, test } from "bun:test";
import { diffAgents } from "../../src/config/diff.ts";
import { agentConfig, readyOnLine } from "../helpers/agent-config.ts";
import { fakeWorld, settle } from "../helpers/fake-lifecycle.ts";

test("started: a dependent starts once its provider's process runs, ready check or not", async () => {
  await using world = fakeWorld([agentConfig({ name: "Db", ready: readyOnLine("listening") }), agentConfig({ name: "Api", depends_on: { Db: "started" } })]);
  world.orchestrator.begin();
  expect(world.spawner.running()).toEqual(["Db", "Api"]);
});

test("ready: a dependent waits until its provider's ready check passes", async () => {
  await using world = fakeWorld([agentConfig({ name: "Db", ready: readyOnLine("listening") }), agentConfig({ name: "Api", depends_on: { Db: "ready" } })]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  await clock.advance(3_000);
  expect(spawner.running()).toEqual(["Db"]);
  expect(orchestrator.mustGet("Api")).toMatchObject({ status: "waiting", waitingReason: "dependencies" });
  spawner.live("Db").print("listening on 5432");
  await settle();
  await clock.advance(1_000);
  expect(orchestrator.mustGet("Db").status).toBe("running");
  expect(spawner.running()).toEqual(["Db", "Api"]);
  expect(world.types("Db")).toEqual(["AGENT_STARTED", "AGENT_READY"]);
});

test("completed: a dependent waits for its oneshot provider to exit 0, and keeps waiting when it fails", async () => {
  await using world = fakeWorld([
    agentConfig({ name: "Migrate", kind: "oneshot" }),
    agentConfig({ name: "Web", depends_on: { Migrate: "completed" } }),
    agentConfig({ name: "Seed", kind: "oneshot" }),
    agentConfig({ name: "Report", depends_on: { Seed: "completed" } }),
  ]);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  expect(spawner.running()).toEqual(["Migrate", "Seed"]);
  spawner.live("Migrate").exit(0);
  spawner.live("Seed").exit(2);
  await settle();
  expect(spawner.running()).toEqual(["Web"]);
  expect(orchestrator.mustGet("Seed").status).toBe("failed");
  expect(orchestrator.mustGet("Report")).toMatchObject({ status: "waiting", waitingReason: "dependencies" });
});

test("start of an agent starts its stopped providers first and says which", async () => {
  await using world = fakeWorld([agentConfig({ name: "Db", autostart: false }), agentConfig({ name: "Api", autostart: false, depends_on: { Db: "started" } })]);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  const { alsoStarted } = await orchestrator.start("Api");
  expect(alsoStarted).toEqual(["Db"]);
  expect(spawner.running()).toEqual(["Db", "Api"]);
});

test("reload: a changed agent is stopped mid-run and comes back with its new definition; the others are untouched", async () => {
  const before = [agentConfig({ name: "Keep" }), agentConfig({ name: "Change", env: { V: "1" } }), agentConfig({ name: "Drop" })];
  await using world = fakeWorld(before);
  const { orchestrator, spawner } = world;
  orchestrator.begin();
  const keepPid = spawner.live("Keep").pid;
  const after = [agentConfig({ name: "Keep" }), agentConfig({ name: "Change", env: { V: "2" } }), agentConfig({ name: "New" })];
  const diff = diffAgents(before, after);
  expect(diff).toEqual({ added: ["New"], removed: ["Drop"], changed: ["Change"], unchanged: ["Keep"] });
  await orchestrator.reload({ ...orchestrator.config, agents: after }, diff);
  expect(spawner.live("Keep").pid).toBe(keepPid);
  expect(spawner.of("Change").map((child) => child.alive)).toEqual([false, true]);
  expect(spawner.of("Change")[0]?.signals).toEqual(["SIGTERM"]);
  expect(orchestrator.mustGet("Change").config.env).toEqual({ V: "2" });
  expect(spawner.of("Drop")[0]?.alive).toBe(false);
  expect(orchestrator.get("Drop")).toBeUndefined();
  expect(spawner.running().sort()).toEqual(["Change", "Keep", "New"]);
});

test("shutdown stops dependents before their providers, independent branches at once", async () => {
  await using world = fakeWorld([
    agentConfig({ name: "Db", stop_timeout: 5 }),
    agentConfig({ name: "Api", depends_on: { Db: "started" }, stop_timeout: 5 }),
    agentConfig({ name: "Cache", stop_timeout: 5 }),
  ]);
  const { orchestrator, clock, spawner } = world;
  spawner.stubborn.add("Api");
  orchestrator.begin();
  const order: string[] = [];
  const done = orchestrator.shutdown((name, graceful) => order.push(`${name}:${graceful}`));
  await settle();
  // Api ignores SIGTERM: Db must not get its signal until Api is gone; Cache stops meanwhile.
  expect(spawner.live("Api").signals).toEqual(["SIGTERM"]);
  expect(spawner.live("Db").signals).toEqual([]);
  expect(order).toEqual(["Cache:true"]);
  await clock.advance(5_000);
  const result = await done;
  expect(order).toEqual(["Cache:true", "Api:false", "Db:true"]);
  expect(result).toEqual({ stopped: 3, allGraceful: false });
  expect(spawner.running()).toEqual([]);
  await expect(orchestrator.start("Db")).rejects.toMatchObject({ code: "ORCHESTRATOR_BUSY" });
});

test("a restart that shutdown overtakes stays stopped and says so", async () => {
  await using world = fakeWorld([agentConfig({ name: "Web", stop_timeout: 5 })]);
  const { orchestrator, clock, spawner } = world;
  spawner.stubborn.add("Web");
  orchestrator.begin();
  const restarting = orchestrator.restart("Web").then(
    () => null,
    (error: unknown) => error,
  );
  const shutdown = orchestrator.shutdown(() => {});
  await clock.advance(5_000);
  expect(await restarting).toMatchObject({ code: "ORCHESTRATOR_BUSY" });
  await shutdown;
  expect(orchestrator.mustGet("Web").status).toBe("stopped");
  expect(spawner.of("Web")).toHaveLength(1);
});

test("instances: a `ready` dependent waits for every copy of its provider", async () => {
  await using world = fakeWorld([
    agentConfig({ name: "Web", instances: 3, ready: readyOnLine("up") }),
    agentConfig({ name: "Gateway", depends_on: { Web: "ready" } }),
  ]);
  const { orchestrator, clock, spawner } = world;
  orchestrator.begin();
  expect(spawner.running()).toEqual(["Web#1", "Web#2", "Web#3"]);
  expect(spawner.live("Web#2").env).toEqual({});
  for (const copy of ["Web#1", "Web#3"]) spawner.live(copy).print("up");
  await settle();
  await clock.advance(1_000);
  expect(orchestrator.mustGet("Gateway").status).toBe("waiting");
  spawner.live("Web#2").print("up");
  await settle();
  await clock.advance(1_000);
  expect(spawner.running()).toContain("Gateway");
  expect(orchestrator.mustGet("Web#2").config.env).toEqual({ PYORCHESTRATE_INSTANCE: "2" });
});
