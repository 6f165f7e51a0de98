// Every error code a serve (or the client, for SOCKET_CONNECTION_ERROR) can produce, with its details.

import { expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, request } from "../../src/client/connection.ts";
import type { Envelope, ErrorEnvelope } from "../../src/protocol/envelope.ts";
import { type ErrorCode, ProtocolError } from "../../src/protocol/errors.ts";
import { armed } from "../helpers/agents-toml.ts";
import { serve, tempDir } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The error envelope the client gets back (its request id is always 1). */
function err(code: ErrorCode, details?: Record<string, unknown>, message: string = expect.any(String)): ErrorEnvelope {
  const error = details === undefined ? { code, message } : { code, message, details };
  return { id: 1, status: "error", error, timestamp: expect.stringMatching(TIMESTAMP) };
}

function codeOf(envelope: Envelope): string {
  return envelope.status === "error" ? envelope.error.code : "success";
}

const sleeper = (name: string, extra = "") => `[agents.${name}]\ncommand = ["sleep", "60"]\n${extra}\n`;
/** Ignores SIGTERM (so does its sleep, which inherits the ignored signal): only SIGKILL ends it. */
const stubborn = (name: string, stopTimeout: number) =>
  `[agents.${name}]\ncommand = ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]\nstop_timeout = ${stopTimeout}\n`;

async function statusOf(served: { data: (command: "ps") => Promise<{ agents: Array<{ name: string; status: string }> }> }, name: string) {
  return (await served.data("ps")).agents.find((agent) => agent.name === name)?.status;
}

concurrent("AGENT_NOT_FOUND names the configured agents, for every command that takes one", async () => {
  await using served = await serve(sleeper("Alpha", "autostart = false") + sleeper("Beta", "autostart = false"));
  const notFound = err("AGENT_NOT_FOUND", { available_agents: ["Alpha", "Beta"] }, "Agent 'Gamma' not found in orchestrator");
  expect(await served.call("status", { agent: "Gamma" })).toEqual(notFound);
  expect(await served.call("start", { agent: "Gamma" })).toEqual(notFound);
  expect(await served.call("stop", { agent: "Gamma" })).toEqual(notFound);
  expect(await served.call("restart", { agent: "Gamma" })).toEqual(notFound);
});

concurrent("AGENT_ALREADY_RUNNING on start of a running agent; AGENT_NOT_RUNNING on stop of a stopped one", async () => {
  await using served = await serve(sleeper("Runner") + sleeper("Idle", "autostart = false"));
  await waitFor(async () => (await statusOf(served, "Runner")) === "running", "Runner to run");
  const { pid } = (await served.data("ps")).agents.find((agent) => agent.name === "Runner") ?? {};
  expect(pid).toBeNumber();

  expect(await served.call("start", { agent: "Runner" })).toEqual(err("AGENT_ALREADY_RUNNING", { status: "running", pid }));
  expect(await served.call("stop", { agent: "Idle" })).toEqual(err("AGENT_NOT_RUNNING", { status: "stopped" }));

  // Once stopped by command, Runner refuses a second stop the same way.
  expect(await served.data("stop", { agent: "Runner" })).toEqual({ agent: "Runner", action: "stopped", graceful_shutdown: true });
  expect(await served.call("stop", { agent: "Runner" })).toEqual(err("AGENT_NOT_RUNNING", { status: "stopped" }));
});

concurrent('PERMISSION_DENIED: allowed_commands = "basic" refuses stop, answers ps and status', async () => {
  await using served = await serve(sleeper("Runner"), { orchestrator: 'allowed_commands = "basic"' });
  expect(await served.call("stop", { agent: "Runner" })).toEqual(err("PERMISSION_DENIED", { command: "stop" }));
  expect(await served.call("stats")).toEqual(err("PERMISSION_DENIED", { command: "stats" }));
  expect(codeOf(await served.call("ps"))).toBe("success");
  expect(codeOf(await served.call("status"))).toBe("success");
  expect(codeOf(await served.call("status", { agent: "Runner" }))).toBe("success");
  // The refused stop did nothing.
  await waitFor(async () => (await statusOf(served, "Runner")) === "running", "Runner to (still) run");
});

concurrent('PERMISSION_DENIED: allowed_commands = ["ps"] refuses status', async () => {
  // The harness checks readiness with `status`, which this serve refuses: wait on ps instead.
  await using served = await serve(sleeper("Runner"), { orchestrator: 'allowed_commands = ["ps"]', waitReady: false });
  await waitFor(async () => codeOf(await served.call("ps", {}, 1_000)) === "success", "serve to answer ps");
  expect(await served.call("status")).toEqual(err("PERMISSION_DENIED", { command: "status" }));
  expect(await served.call("status", { agent: "Runner" })).toEqual(err("PERMISSION_DENIED", { command: "status" }));
  expect(await served.call("start", { agent: "Runner" })).toEqual(err("PERMISSION_DENIED", { command: "start" }));
});

concurrent('PERMISSION_DENIED: blocked_commands = ["shutdown"] refuses shutdown and serve keeps running', async () => {
  await using served = await serve(sleeper("Runner"), { orchestrator: 'blocked_commands = ["shutdown"]' });
  expect(await served.call("shutdown")).toEqual(err("PERMISSION_DENIED", { command: "shutdown" }));
  // Everything else is still allowed, and serve did not begin to shut down.
  expect(codeOf(await served.call("ps"))).toBe("success");
  expect(codeOf(await served.call("stats"))).toBe("success");
  await waitFor(async () => (await statusOf(served, "Runner")) === "running", "Runner to run");
  expect(await served.data("stop", { agent: "Runner" })).toEqual({ agent: "Runner", action: "stopped", graceful_shutdown: true });
  expect(served.proc.exitCode).toBeNull();
});

concurrent("ORCHESTRATOR_BUSY: a second stop or restart while a stop of the same agent is in flight", async () => {
  await using served = await serve(stubborn("Stubborn", 3) + sleeper("Other"));
  await armed(served, "Stubborn");

  const startedAt = Date.now();
  const firstStop = served.call("stop", { agent: "Stubborn" }, 10_000);
  await waitFor(async () => (await statusOf(served, "Stubborn")) === "stopping", "the first stop to be under way");

  const busy = err("ORCHESTRATOR_BUSY", { agent: "Stubborn" });
  expect(await served.call("stop", { agent: "Stubborn" })).toEqual(busy);
  expect(await served.call("restart", { agent: "Stubborn" })).toEqual(busy);
  expect(await served.call("start", { agent: "Stubborn" })).toEqual(busy);
  // Only that agent is locked: another one can be changed meanwhile.
  await waitFor(async () => (await statusOf(served, "Other")) === "running", "Other to run");
  expect(await served.data("stop", { agent: "Other" })).toEqual({ agent: "Other", action: "stopped", graceful_shutdown: true });

  // SIGTERM is ignored, so the first stop ends with SIGKILL after stop_timeout.
  expect(await firstStop).toEqual({
    id: 1,
    status: "success",
    data: { agent: "Stubborn", action: "stopped", graceful_shutdown: false },
    timestamp: expect.stringMatching(TIMESTAMP),
  });
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_900);
  expect(await statusOf(served, "Stubborn")).toBe("stopped");
  // The lock is released: a new command on the agent is accepted.
  expect(codeOf(await served.call("start", { agent: "Stubborn" }))).toBe("success");
});

concurrent("ORCHESTRATOR_BUSY: changing commands are refused during a shutdown while ps still answers", async () => {
  // stop_timeout 6: the checks below must all land while Stubborn is still stopping, even on a loaded machine.
  await using served = await serve(stubborn("Stubborn", 6) + sleeper("Idle", "autostart = false"));
  await armed(served, "Stubborn");

  const stream = call("shutdown", {}, { socketPath: served.socket, timeoutMs: 15_000 });
  // Once the first frame is out, the shutdown is under way.
  expect((await stream.next()).value).toEqual({
    id: 1,
    status: "success",
    stream: true,
    data: { action: "shutdown_initiated", agents_to_stop: 1, estimated_time: "6 seconds", estimated_seconds: 6 },
    timestamp: expect.stringMatching(TIMESTAMP),
  });

  const busy = (command: string) => err("ORCHESTRATOR_BUSY", { command }, "Shutdown is under way");
  expect(await served.call("start", { agent: "Idle" })).toEqual(busy("start"));
  expect(await served.call("stop", { agent: "Stubborn" })).toEqual(busy("stop"));
  expect(await served.call("restart", { agent: "Stubborn" })).toEqual(busy("restart"));
  expect(await served.call("shutdown")).toEqual(busy("shutdown"));
  const ps = await served.call("ps");
  expect(codeOf(ps)).toBe("success");
  expect(ps.status === "success" && ps.data.agents.find((agent) => agent.name === "Stubborn")?.status).toBe("stopping");

  // The shutdown goes on to its end: Stubborn needed SIGKILL.
  const rest = [];
  for await (const frame of stream) rest.push(frame.status === "success" ? frame.data : frame);
  expect(rest).toEqual([
    { action: "agent_stopped", agent: "Stubborn", graceful_shutdown: false },
    { action: "shutdown_complete", agents_stopped: 1, all_graceful: false },
  ]);
  expect(await served.proc.exited).toBe(0);
  expect(served.leftovers()).toEqual([]);
});

concurrent("COMMAND_TIMEOUT: a stop that outlasts command_timeout is answered at the deadline", async () => {
  await using served = await serve(stubborn("Stubborn", 5), { orchestrator: "command_timeout = 1" });
  await armed(served, "Stubborn");

  const startedAt = Date.now();
  const answer = await served.call("stop", { agent: "Stubborn" }, 10_000);
  const elapsed = Date.now() - startedAt;
  expect(answer).toEqual(err("COMMAND_TIMEOUT", { timeout_seconds: 1 }));
  expect(elapsed).toBeGreaterThanOrEqual(900);
  expect(elapsed).toBeLessThan(2_500);

  // The stop itself goes on server-side and still holds the agent until SIGKILL.
  expect(codeOf(await served.call("stop", { agent: "Stubborn" }))).toBe("ORCHESTRATOR_BUSY");
  await waitFor(async () => (await statusOf(served, "Stubborn")) === "stopped", "Stubborn to be killed after stop_timeout", 8_000);
  expect(served.leftovers()).toEqual([]);
});

concurrent("INVALID_ARGUMENT: start without an agent", async () => {
  await using served = await serve(sleeper("Idle", "autostart = false"));
  // The typed client would not allow it; the server must not trust types.
  expect(await served.call("start", {} as { agent: string })).toEqual(err("INVALID_ARGUMENT", { argument: "agent" }, "argument 'agent' is required"));
});

/** Runs request() and returns the ProtocolError it must reject with. */
async function connectionFailure(socketPath: string): Promise<ProtocolError> {
  let failure: unknown;
  try {
    await request("ps", {}, { socketPath, timeoutMs: 2_000 });
  } catch (error) {
    failure = error;
  }
  expect(failure).toBeInstanceOf(ProtocolError);
  return failure as ProtocolError;
}

test("SOCKET_CONNECTION_ERROR: nothing at the socket path", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "missing.sock");
    const failure = await connectionFailure(path);
    expect(failure.code).toBe("SOCKET_CONNECTION_ERROR");
    expect(failure.details).toEqual(expect.objectContaining({ socket_path: path, errno: "ENOENT", hint: expect.stringContaining(path) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SOCKET_CONNECTION_ERROR: a stale socket file nobody listens on, or a regular file", async () => {
  const dir = tempDir();
  try {
    // A listener killed with SIGKILL leaves its socket file behind (Bun's stop() would unlink it).
    const stale = join(dir, "stale.sock");
    const listener = Bun.spawn(
      [process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(stale)}, socket: { data() {} } }); console.log("up"); setInterval(() => {}, 1000);`],
      { stdout: "pipe", stderr: "inherit" },
    );
    await listener.stdout.getReader().read(); // "up": the file exists
    listener.kill("SIGKILL");
    await listener.exited;
    const staleFailure = await connectionFailure(stale);
    expect(staleFailure.code).toBe("SOCKET_CONNECTION_ERROR");
    expect(staleFailure.details).toEqual(expect.objectContaining({ socket_path: stale, errno: "ECONNREFUSED", hint: expect.stringContaining(stale) }));

    const regular = join(dir, "not-a-socket");
    writeFileSync(regular, "hello\n");
    const regularFailure = await connectionFailure(regular);
    expect(regularFailure.code).toBe("SOCKET_CONNECTION_ERROR");
    expect(regularFailure.details).toEqual(expect.objectContaining({ socket_path: regular, hint: expect.stringContaining(regular) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
