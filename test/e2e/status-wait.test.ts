// `status --wait` through the compiled binary, as a script runs it right after starting serve or
// an agent: it answers once the orchestrator answers and the agent is up, fails fast when the
// agent is down, and gives up at --timeout.

import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, tempDir } from "../helpers/serve.ts";
import { concurrent, serveSlot } from "../helpers/slots.ts";

/** Becomes ready (prints "ready") only once the file `go` exists in its folder. */
const GATED = `[agents.Gated]
command = ["sh", "-c", "while [ ! -e go ]; do sleep 0.05; done; echo ready; exec sleep 300"]

[agents.Gated.ready]
log = "^ready$"

[agents.Idle]
command = ["sleep", "300"]
autostart = false
`;

/** `status --wait ARGS` running in the background. */
function waitingClient(args: string[]) {
  const proc = Bun.spawn([BINARY, "status", "--wait", ...args], { env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const finished = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]).then(([stdout, stderr, code]) => ({
    stdout,
    stderr,
    code,
  }));
  return { proc, finished };
}

/**
 * "still waiting" when the client has not finished within 0.3 s. Only used while what it waits
 * for cannot exist yet, so an answer then would be a bug; 0.3 s is ten of its polls.
 */
function stillWaitingAfterAWhile(client: ReturnType<typeof waitingClient>) {
  return Promise.race([client.finished, Bun.sleep(300).then(() => "still waiting")]);
}

test("without an agent: waits for a serve that is not there yet, then prints its status", async () => {
  using _slot = await serveSlot();
  const dir = tempDir();
  const socket = join(dir, "s.sock");
  const client = waitingClient([socket, "--timeout", "15"]);
  // No socket yet: the client keeps trying (giving up would take 15 s).
  expect(await stillWaitingAfterAWhile(client)).toBe("still waiting");
  await using served = await serve(`[agents.A]\ncommand = ["sleep", "300"]\n`, { dir });
  const ran = await client.finished;
  expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
  const envelope = JSON.parse(ran.stdout);
  expect(envelope.status).toBe("success");
  expect(envelope.data.pid).toBe(served.proc.pid);
}, 30_000);

concurrent("with an agent: answers once it passes its ready check, not before", async () => {
  await using served = await serve(GATED);
  const before = await cli(["status", "Gated", served.socket]);
  expect(JSON.parse(before.stdout).data.status).toBe("starting");

  const client = waitingClient(["Gated", served.socket, "--timeout", "15"]);
  // The gate is shut, so Gated cannot be ready: the client keeps asking.
  expect(await stillWaitingAfterAWhile(client)).toBe("still waiting");
  writeFileSync(join(served.dir, "go"), "");
  const ran = await client.finished;
  expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
  const data = JSON.parse(ran.stdout).data;
  expect(data).toMatchObject({ name: "Gated", status: "running" });
  expect(data.health.ready).toMatchObject({ healthy: true, last_result: { ok: true } });
});

concurrent("an agent that is down fails at once: AGENT_NOT_RUNNING as JSON, a ✗ line on a terminal table", async () => {
  await using served = await serve(GATED);
  const json = await cli(["status", "Idle", "--wait", served.socket, "--timeout", "15"]);
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout)).toMatchObject({
    status: "error",
    error: { code: "AGENT_NOT_RUNNING", details: { agent: "Idle", status: "stopped" } },
  });
  const table = await cli(["status", "Idle", "--wait", "--format", "table", served.socket]);
  expect({ code: table.code, stdout: table.stdout }).toEqual({ code: 1, stdout: "" });
  expect(table.stderr).toBe("✗ Agent 'Idle' is stopped: it will not come up without a start\n");
});

concurrent("an agent not up within --timeout: COMMAND_TIMEOUT naming its status, exit 1", async () => {
  await using served = await serve(GATED);
  const ran = await cli(["status", "Gated", "--wait", "--timeout", "0.5", served.socket]);
  expect(ran.code).toBe(1);
  const envelope = JSON.parse(ran.stdout);
  expect(envelope.error.code).toBe("COMMAND_TIMEOUT");
  expect(envelope.error.message).toMatch(/^Agent 'Gated' is not up after \d+(\.\d)?s \(status: starting\)$/);
  expect(envelope.error.details).toMatchObject({ agent: "Gated", status: "starting", timeout_seconds: 0.5 });
});

test.concurrent("no serve within --timeout: the connection error, exit 3", async () => {
  // A folder never created: nothing to clean up, and the socket is as missing as can be.
  const ran = await cli(["status", "--wait", "--timeout", "0.3", `/tmp/pyo-never-${process.pid}-${Date.now()}/none.sock`]);
  expect(ran.code).toBe(3);
  expect(JSON.parse(ran.stdout).error).toMatchObject({ code: "SOCKET_CONNECTION_ERROR", details: { errno: "ENOENT" } });
});
