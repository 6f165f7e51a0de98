// `run AGENT [--wait]` against a real serve: one run of a periodic agent now, without moving its
// schedule; --wait follows it and exits with its outcome, so it doubles as a cron-job test.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers/cli.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

let served: Served;

beforeAll(async () => {
  served = await serve(`
[agents.Backup]
command = ["sh", "-c", "echo backed up; exit $(cat \${EXIT_FILE:-/dev/null} 2>/dev/null || echo 0)"]
schedule = "0 3 * * *"
env = { EXIT_FILE = "exit-code" }

[agents.Report]
command = ["sh", "-c", "echo report"]
execution_interval = 3600
autostart = false

[agents.Web]
command = ["sleep", "300"]
`);
});
afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
});

const json = async (args: string[]) => {
  const ran = await cli([...args, "--socket", served.socket]);
  return { code: ran.code, envelope: JSON.parse(ran.stdout), stderr: ran.stderr };
};

test("run --wait on a terminal-style table: the run's start and its end; exit 0 when it completed", async () => {
  const before = (await json(["status", "Backup"])).envelope.data.next_run;
  const ran = await cli(["run", "Backup", "--wait", "--socket", served.socket, "--format", "table"]);
  expect(ran.code).toBe(0);
  const lines = ran.stdout.trim().split("\n");
  expect(lines[0]).toMatch(/^✓ Agent 'Backup' run started \(PID: \d+\)$/);
  expect(lines[1]).toMatch(/^✓ Run of 'Backup' completed after \d+(ms|\.\ds) \(exit 0\)$/);
  // The schedule did not move: the 03:00 run is still the next one.
  const after = (await json(["status", "Backup"])).envelope.data;
  expect(after).toMatchObject({ status: "waiting", waiting_reason: "next_run", next_run: before });
});

test("run --wait of a failing run exits 1; in JSON the last envelope says how it ended", async () => {
  writeFileSync(join(served.dir, "exit-code"), "3\n");
  const { code, envelope } = await json(["run", "Backup", "--wait"]);
  writeFileSync(join(served.dir, "exit-code"), "0\n");
  expect(code).toBe(1);
  expect(envelope.status).toBe("success");
  expect(envelope.data).toMatchObject({ agent: "Backup", action: "run_finished", outcome: "failed", exit_code: 3, signal: null });
  expect(envelope.data.duration_ms).toEqual(expect.any(Number));
});

test("run of a stopped periodic agent runs it once and leaves it stopped", async () => {
  const { code, envelope } = await json(["run", "Report"]);
  expect(code).toBe(0);
  expect(envelope.data).toMatchObject({ agent: "Report", action: "run_started" });
  await waitFor(async () => (await json(["status", "Report"])).envelope.data.last_exit_code === 0, "the run to end");
  expect((await json(["status", "Report"])).envelope.data).toMatchObject({ status: "stopped", next_run: null });
  const history = (await json(["history", "--agent", "Report", "--type", "EXECUTION_COMPLETED"])).envelope.data.events;
  expect(history).toHaveLength(1);
  expect(history[0].details.manual).toBe(true);
});

test("run of a looping agent, an unknown agent, no agent: the error, and the usage line", async () => {
  const looping = await json(["run", "Web"]);
  expect(looping.code).toBe(1);
  expect(looping.envelope.error.code).toBe("INVALID_ARGUMENT");
  const unknown = await json(["run", "Nope"]);
  expect(unknown.code).toBe(1);
  expect(unknown.envelope.error.code).toBe("AGENT_NOT_FOUND");
  const usage = await cli(["run"]);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("Usage: pyorchestrate run <AGENT>");
});
