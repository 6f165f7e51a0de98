// start, stop, restart and run of several agents at once: names, `all`, `@group`; each agent's
// outcome in the answer, dependents stopped first, and a partial failure is exit 1.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { cli } from "../helpers/cli.ts";
import { type Served, serve } from "../helpers/serve.ts";

let served: Served;

beforeAll(async () => {
  served = await serve(`
[agents.Db]
command = ["sleep", "300"]
groups = ["backend"]

[agents.Api]
command = ["sleep", "300"]
depends_on = ["Db"]
groups = ["backend", "web"]

[agents.Front]
command = ["sleep", "300"]
groups = ["web"]

[agents.Broken]
command = ["./not-there"]
autostart = false
groups = ["web"]

[agents.Tick]
command = ["true"]
execution_interval = 3600
`);
});
afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
});

const run = async (args: string[]) => {
  const ran = await cli([...args, "--socket", served.socket]);
  return { ...ran, data: ran.stdout ? JSON.parse(ran.stdout).data : null };
};

test("stop @backend: dependents first (Api before Db), each agent's outcome; again: already stopped, no failure", async () => {
  const first = await run(["stop", "@backend"]);
  expect(first.code).toBe(0);
  expect(first.data).toEqual({
    action: "stopped",
    failed: 0,
    agents: [
      { agent: "Api", ok: true, outcome: "stopped", pid: null, status: "stopped", graceful_shutdown: true },
      { agent: "Db", ok: true, outcome: "stopped", pid: null, status: "stopped", graceful_shutdown: true },
    ],
  });
  const again = await run(["stop", "Api", "Db"]);
  expect(again.code).toBe(0);
  expect(again.data.agents.map((a: { outcome: string }) => a.outcome)).toEqual(["already stopped", "already stopped"]);
  // One agent alone keeps the one-agent answer and its error.
  const single = await run(["stop", "Api"]);
  expect(single.code).toBe(1);
});

test("start Api Db starts providers first; start @web with one that cannot start: exit 1, each outcome in the table", async () => {
  const started = await run(["start", "Api", "Db"]);
  expect(started.code).toBe(0);
  expect(started.data.agents.map((a: { agent: string; outcome: string }) => [a.agent, a.outcome])).toEqual([
    ["Db", "started"],
    ["Api", "started"],
  ]);
  const web = await cli(["start", "@web", "--socket", served.socket, "--format", "table"]);
  expect(web.code).toBe(1);
  expect(web.stdout.split("\n")).toEqual([
    "✓ Agent 'Api' already running",
    "✓ Agent 'Front' already running",
    expect.stringMatching(/^✗ Agent 'Broken': Agent 'Broken' could not be started: ENOENT/),
    "✗ 1 of 3 failed",
    "",
  ]);
  await run(["stop", "Broken"]);
});

test("restart all and run all: every agent, in start order; run refuses what is not periodic, per agent", async () => {
  const restarted = await run(["restart", "all"]);
  expect(restarted.data.agents.map((a: { agent: string }) => a.agent)).toEqual(["Db", "Api", "Front", "Broken", "Tick"]);
  const ran = await run(["run", "all"]);
  expect(ran.code).toBe(1);
  const byAgent = Object.fromEntries(ran.data.agents.map((a: { agent: string }) => [a.agent, a]));
  expect(byAgent.Tick).toMatchObject({ ok: true, outcome: "run started" });
  expect(byAgent.Db).toMatchObject({ ok: false, error: { code: "INVALID_ARGUMENT" } });
});

test("an unknown group or agent among several: AGENT_NOT_FOUND naming the groups there are; nothing acted on", async () => {
  const ran = await run(["stop", "Front", "@nope"]);
  expect(ran.code).toBe(1);
  const envelope = JSON.parse(ran.stdout);
  expect(envelope.error.code).toBe("AGENT_NOT_FOUND");
  expect(envelope.error.details.available_groups).toEqual(["@backend", "@web"]);
  const front = await run(["status", "Front"]);
  expect(front.data.status).toBe("running");
  expect(front.data.groups).toEqual(["web"]);
});
