// instances = N and `scale`: copies NAME#1 … NAME#N with PYORCHESTRATE_INSTANCE and their own
// logs; depending on such an agent waits for every copy; a reload that leaves it unchanged keeps
// the count `scale` set.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { cli } from "../helpers/cli.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

let served: Served;
const AGENTS = `
[agents.Web]
command = ["sh", "-c", "echo copy $PYORCHESTRATE_INSTANCE; exec sleep 300"]
instances = 2
groups = ["front"]

[agents.Gateway]
command = ["sleep", "300"]
depends_on = ["Web"]
`;

beforeAll(async () => {
  served = await serve(AGENTS);
});
afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
});

const data = async (args: string[]) => {
  const ran = await cli([...args, "--socket", served.socket]);
  return { code: ran.code, body: JSON.parse(ran.stdout) };
};
const names = async () => ((await data(["ps"])).body.data.agents as Array<{ name: string; status: string }>).map((a) => `${a.name}:${a.status}`);

test("two copies, each with its number and its own log; the dependent runs once both are up", async () => {
  await waitFor(async () => (await names()).join() === "Web#1:running,Web#2:running,Gateway:running", "all three running");
  for (const copy of ["1", "2"]) {
    const logs = await data(["logs", `Web#${copy}`]);
    expect(logs.body.data.lines.map((l: { line: string }) => l.line)).toEqual([`copy ${copy}`]);
  }
  const edges = (await data(["dependencies"])).body.data.edges;
  expect(edges).toEqual([{ from: "Web", to: "Gateway", condition: "started", satisfied: true }]);
  const status = await data(["status", "Web"]);
  expect(status.code).toBe(1);
  expect(status.body.error.message).toBe("Agent 'Web' runs as 2 copies (Web#1 … Web#2): name one, or use a command that takes several");
});

test("scale up starts new copies after the last one; scale down stops the highest first", async () => {
  const up = await data(["scale", "Web", "3"]);
  expect(up.body.data).toEqual({ agent: "Web", instances: 3, previous: 2, started: ["Web#3"], stopped: [] });
  await waitFor(async () => (await names()).join() === "Web#1:running,Web#2:running,Web#3:running,Gateway:running", "Web#3 running");
  const table = await cli(["scale", "Web", "1", "--socket", served.socket, "--format", "table"]);
  expect(table).toMatchObject({ code: 0, stdout: "✓ Agent 'Web' scaled from 3 to 1 copy (stopped Web#2, Web#3)\n" });
  expect(await names()).toEqual(["Web#1:running", "Gateway:running"]);
});

test("a reload that leaves the agent unchanged keeps the scale; stop of the agent stops every copy", async () => {
  await data(["scale", "Web", "2"]);
  served.rewrite(`${AGENTS}\n[agents.Extra]\ncommand = ["sleep", "300"]\n`);
  const reload = await data(["reload"]);
  expect(reload.body.data).toMatchObject({ added: ["Extra"], unchanged: ["Web", "Gateway"] });
  expect((await names()).filter((n) => n.startsWith("Web"))).toEqual(["Web#1:running", "Web#2:running"]);
  const stopped = await data(["stop", "Web"]);
  expect(stopped.body.data.agents.map((a: { agent: string; outcome: string }) => [a.agent, a.outcome])).toEqual([
    ["Web#1", "stopped"],
    ["Web#2", "stopped"],
  ]);
});

test("scale of an agent without instances, or to 0: the reason", async () => {
  const plain = await data(["scale", "Gateway", "3"]);
  expect(plain.body.error).toMatchObject({ code: "INVALID_ARGUMENT" });
  expect(plain.body.error.message).toContain("set instances = 1 (or more) in [agents.Gateway]");
  const zero = await cli(["scale", "Web", "0", "--socket", served.socket]);
  expect(zero.code).toBe(2);
});
