// `start` of an agent that cannot be started answers SPAWN_FAILED with the OS's reason (exit 1),
// instead of "started (status: backoff)"; the agent keeps retrying until it is stopped.

import { afterEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers/cli.ts";
import { type Served, serve } from "../helpers/serve.ts";

const opened: Served[] = [];
afterEach(async () => {
  for (const served of opened.splice(0)) await served[Symbol.asyncDispose]();
});

async function served(agents: string): Promise<Served> {
  const s = await serve(agents);
  opened.push(s);
  return s;
}

test("a missing program, a missing cwd and a file that is not executable: SPAWN_FAILED with the reason, exit 1", async () => {
  const s = await served(`
[agents.Missing]
command = ["./not-there.sh"]
autostart = false

[agents.NoDir]
command = ["sleep", "30"]
cwd = "gone"
autostart = false

[agents.NotExec]
command = ["./plain.txt"]
autostart = false
`);
  writeFileSync(join(s.dir, "plain.txt"), "not a program\n", { mode: 0o644 });
  for (const agent of ["Missing", "NoDir", "NotExec"]) {
    const ran = await cli(["start", agent, "--socket", s.socket]);
    expect({ agent, code: ran.code }).toEqual({ agent, code: 1 });
    const envelope = JSON.parse(ran.stdout);
    expect(envelope.error.code).toBe("SPAWN_FAILED");
    expect(envelope.error.details).toMatchObject({ agent, status: "backoff", next_retry: expect.any(String) });
    expect(envelope.error.message).toStartWith(`Agent '${agent}' could not be started: `);
  }
  const table = await cli(["start", "Missing", "--socket", s.socket, "--format", "table"]);
  expect(table.code).toBe(1);
  expect(table.stderr).toMatch(/^✗ Agent 'Missing' could not be started: ENOENT/);
  // It goes on retrying (the program may yet appear); stop ends that.
  const stopped = await cli(["stop", "Missing", "--socket", s.socket]);
  expect(stopped.code).toBe(0);
});

test("once the program is there, start works and clears last_error", async () => {
  const s = await served(`
[agents.Later]
command = ["./later.sh"]
autostart = false
restart = "never"
`);
  expect((await cli(["start", "Later", "--socket", s.socket])).code).toBe(1);
  mkdirSync(s.dir, { recursive: true });
  writeFileSync(join(s.dir, "later.sh"), "#!/bin/sh\nexec sleep 300\n", { mode: 0o755 });
  const ran = await cli(["start", "Later", "--socket", s.socket]);
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout).data).toMatchObject({ agent: "Later", action: "started", pid: expect.any(Number) });
  const status = JSON.parse((await cli(["status", "Later", "--socket", s.socket])).stdout).data;
  expect(status.last_error).toBeNull();
});
