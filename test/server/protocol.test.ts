// The wire protocol of a real serve, spoken raw (no client code): framing, ids, limits, streams.

import { expect } from "bun:test";
import { existsSync } from "node:fs";
import { COMMAND_NAMES, type PsAgent } from "../../src/protocol/commands.ts";
import { MAX_LINE_BYTES } from "../../src/protocol/codec.ts";
import type { Envelope, RequestId } from "../../src/protocol/envelope.ts";
import type { ErrorCode } from "../../src/protocol/errors.ts";
import { type RawConnection, rawConnect } from "../helpers/raw-socket.ts";
import { serve } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** One agent that never starts on its own: `ps` answers the same thing every time. */
const IDLE_AGENT = `[agents.Idle]\ncommand = ["sleep", "60"]\nautostart = false\n`;
const IDLE_PS: PsAgent = {
  name: "Idle",
  status: "stopped",
  pid: null,
  uptime: "-",
  uptime_seconds: null,
  kind: "looping",
  waiting_reason: null,
  queue_position: null,
  restarts: 0,
  next_run: null,
  status_text: null,
  groups: [],
};

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

function ok(id: RequestId | null, data: unknown): Envelope {
  return { id, status: "success", data, timestamp: expect.stringMatching(TIMESTAMP) };
}

function err(id: RequestId | null, code: ErrorCode, details?: Record<string, unknown>): Envelope {
  const message: string = expect.any(String);
  return { id, status: "error", error: details === undefined ? { code, message } : { code, message, details }, timestamp: expect.stringMatching(TIMESTAMP) };
}

async function closedByServer(connection: RawConnection, what: string): Promise<void> {
  await waitFor(() => connection.isClosed(), `the server to close the connection after ${what}`, 5_000);
}

concurrent("one request gets one answer carrying its id, numeric or string, and a UTC second timestamp", async () => {
  await using served = await serve(IDLE_AGENT);
  using connection = await rawConnect(served.socket);

  await connection.send(line({ id: 7, command: "ps" }));
  const first = await connection.next();
  expect(first).toEqual(ok(7, { agents: [IDLE_PS] }));
  // The timestamp is now, not some fixed or local-time value.
  expect(Math.abs(Date.parse(first.timestamp) - Date.now())).toBeLessThan(60_000);

  await connection.send(line({ id: "req-abc", command: "ps", args: {} }));
  // The next frame is the second request's: the first was answered exactly once.
  expect(await connection.next()).toEqual(ok("req-abc", { agents: [IDLE_PS] }));
  expect(connection.pending()).toBe(0);
  expect(connection.isClosed()).toBe(false);
});

concurrent("requests pipelined in one write are answered in order, each with its own id", async () => {
  await using served = await serve(IDLE_AGENT);
  using connection = await rawConnect(served.socket);

  await connection.send(
    line({ id: 1, command: "ps" }) +
      line({ id: "two", command: "status", args: { agent: "Idle" } }) +
      line({ id: 3, command: "no-such-command" }) +
      "\n" + // blank lines are skipped, not answered
      line({ id: 4, command: "stop", args: { agent: "Idle" } }) +
      line({ id: 5, command: "ps" }),
  );
  const answers = await connection.take(5);
  expect(answers.map((answer) => [answer.id, answer.status])).toEqual([
    [1, "success"],
    ["two", "success"],
    [3, "error"],
    [4, "error"],
    [5, "success"],
  ]);
  expect(answers[0]).toEqual(ok(1, { agents: [IDLE_PS] }));
  expect(answers[1]).toEqual(ok("two", expect.objectContaining({ name: "Idle", status: "stopped", pid: null })));
  expect(answers[2]).toEqual(err(3, "UNKNOWN_COMMAND", { command: "no-such-command", available_commands: [...COMMAND_NAMES] }));
  expect(answers[3]).toEqual(err(4, "AGENT_NOT_RUNNING", { status: "stopped" }));
  expect(answers[4]).toEqual(ok(5, { agents: [IDLE_PS] }));
  expect(connection.pending()).toBe(0);
});

concurrent("a request written byte by byte, a multi-byte character split between writes, is answered", async () => {
  await using served = await serve(IDLE_AGENT);
  using connection = await rawConnect(served.socket);

  const id = "température-°-日本";
  const bytes = new TextEncoder().encode(line({ id, command: "ps" }));
  for (let i = 0; i < bytes.length; i++) {
    await connection.send(bytes.subarray(i, i + 1));
    // A pause lets each byte leave as its own segment instead of being coalesced with the next.
    await Bun.sleep(1);
  }
  // The id comes back intact only if the server joined the split UTF-8 sequences correctly.
  expect(await connection.next()).toEqual(ok(id, { agents: [IDLE_PS] }));

  // Two writes, cut inside the 3-byte '日'.
  const again = new TextEncoder().encode(line({ id: "日", command: "ps" }));
  const cut = again.indexOf(0xe6) + 1;
  await connection.send(again.subarray(0, cut));
  await Bun.sleep(5);
  await connection.send(again.subarray(cut));
  expect(await connection.next()).toEqual(ok("日", { agents: [IDLE_PS] }));
});

concurrent("invalid JSON gets INVALID_REQUEST (id null) and its connection is closed; other connections go on", async () => {
  await using served = await serve(IDLE_AGENT);
  using bystander = await rawConnect(served.socket);
  await bystander.send(line({ id: "before", command: "ps" }));
  expect(await bystander.next()).toEqual(ok("before", { agents: [IDLE_PS] }));

  using bad = await rawConnect(served.socket);
  // The valid request after the bad line on the same write must not be answered.
  await bad.send(`{"id": 1, "command": "ps"\n${line({ id: 2, command: "ps" })}`);
  expect(await bad.next()).toEqual(err(null, "INVALID_REQUEST"));
  await closedByServer(bad, "invalid JSON");
  expect(bad.pending()).toBe(0);

  await bystander.send(line({ id: "after", command: "ps" }));
  expect(await bystander.next()).toEqual(ok("after", { agents: [IDLE_PS] }));
});

concurrent("a malformed line after a valid request: the valid one is answered first, then INVALID_REQUEST, then close", async () => {
  await using served = await serve(IDLE_AGENT);
  using connection = await rawConnect(served.socket);
  // Answers go out in request order (§4), and a request read before the bad line deserves its answer.
  await connection.send(`${line({ id: 1, command: "ps" })}not json\n`);
  const frames: Envelope[] = [];
  while (!connection.isClosed() || connection.pending() > 0) {
    try {
      frames.push(await connection.next(3_000));
    } catch {
      break;
    }
  }
  expect(frames).toEqual([ok(1, { agents: [IDLE_PS] }), err(null, "INVALID_REQUEST")]);
  await closedByServer(connection, "the malformed line");
});

concurrent("a client that half-closes after its requests (socat, nc -N) still gets every answer, then the server closes", async () => {
  await using served = await serve(`[agents.Runner]\ncommand = ["sleep", "60"]\n`);
  await waitFor(async () => (await served.data("ps")).agents[0]?.status === "running", "Runner to run");
  using connection = await rawConnect(served.socket);
  await connection.send(line({ id: 1, command: "status", args: { agent: "Runner" } }) + line({ id: 2, command: "stop", args: { agent: "Runner" } }));
  // FIN on our side only: we can still read, as a one-shot script piping into socat does.
  connection.finishWriting();
  const frames: Envelope[] = [];
  for (let i = 0; i < 2; i++) {
    try {
      frames.push(await connection.next(3_000));
    } catch {
      break;
    }
  }
  expect(frames).toEqual([
    ok(1, expect.objectContaining({ name: "Runner", status: "running" })),
    ok(2, { agent: "Runner", action: "stopped", graceful_shutdown: true }),
  ]);
  await closedByServer(connection, "the client's half-close once everything was answered");
});

concurrent("malformed requests get INVALID_REQUEST, with the id when it could be read, and are disconnected", async () => {
  await using served = await serve(IDLE_AGENT);
  const cases: Array<{ why: string; sent: string | Uint8Array; id: string | number | null }> = [
    { why: "an array", sent: "[1, 2]\n", id: null },
    { why: "a string", sent: '"ps"\n', id: null },
    { why: "null", sent: "null\n", id: null },
    { why: "a number", sent: "42\n", id: null },
    { why: "missing id", sent: line({ command: "ps" }), id: null },
    { why: "boolean id", sent: line({ id: true, command: "ps" }), id: null },
    { why: "object id", sent: line({ id: { n: 1 }, command: "ps" }), id: null },
    { why: "missing command", sent: line({ id: 9 }), id: 9 },
    { why: "empty command", sent: line({ id: 10, command: "" }), id: 10 },
    { why: "numeric command", sent: line({ id: "c", command: 42 }), id: "c" },
    { why: "args an array", sent: line({ id: 11, command: "ps", args: [] }), id: 11 },
    { why: "args a string", sent: line({ id: "s", command: "ps", args: "all" }), id: "s" },
    { why: "invalid UTF-8", sent: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), id: null },
  ];
  for (const { why, sent, id } of cases) {
    using connection = await rawConnect(served.socket);
    await connection.send(sent);
    const answer = await connection.next();
    expect({ why, answer }).toEqual({ why, answer: err(id, "INVALID_REQUEST") });
    await closedByServer(connection, why);
  }
  using healthy = await rawConnect(served.socket);
  await healthy.send(line({ id: "still-here", command: "ps" }));
  expect(await healthy.next()).toEqual(ok("still-here", { agents: [IDLE_PS] }));
});

concurrent("a request line over 64 KiB gets INVALID_REQUEST and is disconnected; one of exactly 64 KiB is served", async () => {
  await using served = await serve(IDLE_AGENT);
  using bystander = await rawConnect(served.socket);
  const tooLong = err(null, "INVALID_REQUEST", { limit_bytes: MAX_LINE_BYTES });

  // No newline at all: the server must not wait for the end of a line that never ends.
  using endless = await rawConnect(served.socket);
  await endless.send("x".repeat(MAX_LINE_BYTES + 10_000));
  expect(await endless.next()).toEqual(tooLong);
  await closedByServer(endless, "an endless line");

  // A well-formed request, padded past the limit, newline included.
  using padded = await rawConnect(served.socket);
  const head = '{"id": 1, "command": "ps"}';
  await padded.send(`${head}${" ".repeat(MAX_LINE_BYTES + 1 - head.length)}\n`);
  expect(await padded.next()).toEqual(tooLong);
  await closedByServer(padded, "a padded line");

  // The limit itself is allowed: exactly MAX_LINE_BYTES before the newline.
  using atLimit = await rawConnect(served.socket);
  await atLimit.send(`${head}${" ".repeat(MAX_LINE_BYTES - head.length)}\n`);
  expect(await atLimit.next()).toEqual(ok(1, { agents: [IDLE_PS] }));

  await bystander.send(line({ id: "after", command: "ps" }));
  expect(await bystander.next()).toEqual(ok("after", { agents: [IDLE_PS] }));
});

concurrent("an unknown command gets UNKNOWN_COMMAND and the connection stays usable", async () => {
  await using served = await serve(IDLE_AGENT);
  using connection = await rawConnect(served.socket);
  await connection.send(line({ id: 1, command: "frobnicate", args: { agent: "Idle" } }));
  expect(await connection.next()).toEqual(err(1, "UNKNOWN_COMMAND", { command: "frobnicate", available_commands: [...COMMAND_NAMES] }));
  await connection.send(line({ id: 2, command: "ps" }));
  expect(await connection.next()).toEqual(ok(2, { agents: [IDLE_PS] }));
  expect(connection.isClosed()).toBe(false);
});

concurrent("bad arguments get INVALID_ARGUMENT without dropping the connection", async () => {
  await using served = await serve(IDLE_AGENT);
  using connection = await rawConnect(served.socket);
  const requests = [
    { id: 1, command: "ps", args: { verbose: true } },
    { id: 2, command: "stop", args: { agent: "Idle", force: true } },
    { id: 3, command: "status", args: { agent: 5 } },
    { id: 4, command: "start", args: { agent: "../x" } },
    { id: 5, command: "start", args: { agent: "a b" } },
    { id: 6, command: "restart", args: { agent: "" } },
    { id: 7, command: "start", args: { agent: "a".repeat(65) } },
    { id: 8, command: "start", args: { agent: ["Idle"] } },
    // A well-formed name of the maximum length passes validation and is simply unknown.
    { id: 9, command: "status", args: { agent: "a".repeat(64) } },
  ];
  await connection.send(requests.map(line).join(""));
  const answers = await connection.take(requests.length);
  const agentArg = { argument: "agent" };
  expect(answers).toEqual([
    err(1, "INVALID_ARGUMENT", { argument: "verbose", expected: [] }),
    err(2, "INVALID_ARGUMENT", { argument: "force", expected: ["agent"] }),
    err(3, "INVALID_ARGUMENT", agentArg),
    err(4, "INVALID_ARGUMENT", agentArg),
    err(5, "INVALID_ARGUMENT", agentArg),
    err(6, "INVALID_ARGUMENT", agentArg),
    err(7, "INVALID_ARGUMENT", agentArg),
    err(8, "INVALID_ARGUMENT", agentArg),
    err(9, "AGENT_NOT_FOUND", { available_agents: ["Idle"] }),
  ]);
  await connection.send(line({ id: 10, command: "ps" }));
  expect(await connection.next()).toEqual(ok(10, { agents: [IDLE_PS] }));
});

concurrent("shutdown streams its progress, dependents first, then serve exits 0 leaving nothing behind", async () => {
  await using served = await serve(
    `[agents.A]\ncommand = ["sleep", "60"]\nstop_timeout = 2\n\n` +
      `[agents.B]\ncommand = ["sleep", "60"]\nstop_timeout = 2\ndepends_on = ["A"]\n\n` +
      `[agents.C]\ncommand = ["sleep", "60"]\nstop_timeout = 2\ndepends_on = ["B"]\n`,
  );
  await waitFor(async () => {
    const { agents } = await served.data("ps");
    return agents.every((agent) => agent.status === "running");
  }, "A, B and C to run");
  expect(served.leftovers()).toHaveLength(3);

  using connection = await rawConnect(served.socket);
  await connection.send(line({ id: "bye", command: "shutdown" }));
  const frames: Envelope[] = [];
  for (let frame = await connection.next(10_000); ; frame = await connection.next(10_000)) {
    frames.push(frame);
    if (frame.end || frame.status === "error") break;
  }
  const frame = (data: unknown, end = false): Envelope => ({ ...ok("bye", data), stream: true, ...(end ? { end: true as const } : {}) });
  expect(frames).toEqual([
    // The chain C → B → A has three stop_timeouts of 2 s: 6 s at worst.
    frame({ action: "shutdown_initiated", agents_to_stop: 3, estimated_time: "6 seconds", estimated_seconds: 6 }),
    frame({ action: "agent_stopped", agent: "C", graceful_shutdown: true }),
    frame({ action: "agent_stopped", agent: "B", graceful_shutdown: true }),
    frame({ action: "agent_stopped", agent: "A", graceful_shutdown: true }),
    frame({ action: "shutdown_complete", agents_stopped: 3, all_graceful: true }, true),
  ]);

  // serve leaves by itself (no signal sent), cleanly, and takes everything with it.
  expect(await served.proc.exited).toBe(0);
  await closedByServer(connection, "shutdown");
  expect(served.leftovers()).toEqual([]);
  expect(existsSync(served.socket)).toBe(false);
});

concurrent("100 connections at once each get their own correct answer", async () => {
  await using served = await serve(IDLE_AGENT);
  const connections = await Promise.all(Array.from({ length: 100 }, () => rawConnect(served.socket)));
  try {
    await Promise.all(connections.map((connection, i) => connection.send(line({ id: `c${i}`, command: "ps" }))));
    const answers = await Promise.all(connections.map((connection) => connection.next(10_000)));
    expect(answers).toEqual(connections.map((_, i) => ok(`c${i}`, { agents: [IDLE_PS] })));
  } finally {
    for (const connection of connections) connection.end();
  }
});
