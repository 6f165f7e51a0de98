// Protocol abuse against one real serve: every hostile client gets its documented answer or is
// closed, serve's memory stays bounded, and a well-behaved client is served after each abuse.

import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket } from "bun";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";
import { MAX_COMMAND_LENGTH, MAX_LINE_BYTES } from "../../src/protocol/codec.ts";
import type { Envelope, RequestId } from "../../src/protocol/envelope.ts";
import type { ErrorCode } from "../../src/protocol/errors.ts";
import { type RawConnection, rawConnect } from "../helpers/raw-socket.ts";
import { concatBytes } from "../helpers/seeded.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MiB = 1024 * 1024;
/** Growth of serve's RSS a flood may cause: far below what buffering the flood would take. */
const RSS_GROWTH_LIMIT = 64 * MiB;

const AGENTS = `[agents.A]\ncommand = ["sleep", "300"]\n\n[agents.B]\ncommand = ["sleep", "300"]\n`;

let served: Served;
let slot: Disposable | undefined;
/** The agents' pids once running: a well-behaved client must see them unchanged after every abuse. */
const pids: Record<"A" | "B", number> = { A: 0, B: 0 };
/** Sockets serve holds with no client connected (its listener, its agents' pipes). */
let idleSockets = 0;

beforeAll(async () => {
  slot = await serveSlot();
  // No abuse may end the shared serve, not even a fuzzed or mistaken shutdown.
  served = await serve(AGENTS, { orchestrator: 'blocked_commands = ["shutdown"]' });
  const { agents } = await waitFor(async () => {
    const ps = await served.data("ps");
    return ps.agents.every((agent) => agent.status === "running" && agent.pid !== null) && ps;
  }, "A and B to run");
  for (const agent of agents) pids[agent.name as "A" | "B"] = agent.pid as number;
  // Settled once two samples agree: the readiness probes' connections are gone by then.
  let last = -1;
  idleSockets = await waitFor(
    () => {
      const count = socketCount(served.proc.pid);
      const settled = count === last;
      last = count;
      return settled && count;
    },
    "serve's sockets to settle",
    5_000,
    100,
  );
}, 30_000);

afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
  slot?.[Symbol.dispose]();
});

const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const bytes = (text: string) => new TextEncoder().encode(text);

function ok(id: RequestId | null, data: unknown): Envelope {
  return { id, status: "success", data, timestamp: expect.stringMatching(TIMESTAMP) };
}

function err(id: RequestId | null, code: ErrorCode, details?: Record<string, unknown>): Envelope {
  const message: string = expect.any(String);
  return { id, status: "error", error: details === undefined ? { code, message } : { code, message, details }, timestamp: expect.stringMatching(TIMESTAMP) };
}

const tooLong = (id: RequestId | null = null) => err(id, "INVALID_REQUEST", { limit_bytes: MAX_LINE_BYTES });

/** What ps must answer all along: both agents running with the pids they started with. */
function psData(): unknown {
  return {
    agents: (["A", "B"] as const).map((name) => expect.objectContaining({ name, status: "running", pid: pids[name], restarts: 0 })),
  };
}

/** Waits until serve holds no client connection. */
async function noClientConnected(what: string): Promise<void> {
  await waitFor(() => socketCount(served.proc.pid) <= idleSockets, what, 10_000, 20);
}

/** A separate, well-behaved client gets correct ps and status answers; serve is alive. */
async function stillServing(after: string): Promise<void> {
  expect(served.proc.exitCode).toBeNull();
  using client = await rawConnect(served.socket);
  await client.send(line({ id: `ps after ${after}`, command: "ps" }) + line({ id: 2, command: "status", args: { agent: "B" } }));
  expect(await client.take(2)).toEqual([ok(`ps after ${after}`, psData()), ok(2, expect.objectContaining({ name: "B", status: "running", pid: pids.B }))]);
}

/** Every frame the server sent before it closed the connection (fails if it does not close). */
async function framesUntilClosed(connection: RawConnection, what: string): Promise<Envelope[]> {
  await waitFor(() => connection.isClosed(), `the server to close the connection after ${what}`, 5_000);
  const frames: Envelope[] = [];
  while (connection.pending() > 0) frames.push(await connection.next());
  return frames;
}

/** Sends each payload on its own connection; each must get exactly `expected` and be closed. */
async function eachAnsweredThenClosed(cases: Array<{ why: string; sent: string | Uint8Array; expected: Envelope[] }>): Promise<void> {
  for (const { why, sent, expected } of cases) {
    using connection = await rawConnect(served.socket);
    await connection.send(sent);
    expect({ why, frames: await framesUntilClosed(connection, why) }).toEqual({ why, frames: expected });
  }
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Sockets serve holds open: its own (listener, agents' stdio) plus one per client connection. */
function socketCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/** Deterministic bytes that are anything but a newline (xorshift32). */
function noise(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = (state & 0xff) === 0x0a ? 0x20 : state & 0xff;
  }
  return out;
}

const MB = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

test("garbage and truncated lines: INVALID_REQUEST, then closed, and nothing after the bad line is answered", async () => {
  const garbage = [
    "hello world",
    "}{",
    "{'id': 1, 'command': 'ps'}",
    '{"id": 1, "command": "ps"',
    '{"id": 1, "comm',
    '{"id":1,"command":"ps"}}',
    '{"id":1,"command":"ps"} {"id":2,"command":"ps"}',
    '{"id":1,"command":"ps",}',
    "NaN",
    "undefined",
  ];
  await eachAnsweredThenClosed(
    garbage.map((text) => ({
      why: text,
      // A valid request behind the bad line, in the same write, must not be answered.
      sent: `${text}\n${line({ id: "behind", command: "ps" })}`,
      expected: [err(null, "INVALID_REQUEST")],
    })),
  );
  // A good request before the bad line is answered first: answers keep request order.
  await eachAnsweredThenClosed([
    { why: "good then garbage", sent: `${line({ id: 1, command: "ps" })}}{\n`, expected: [ok(1, psData()), err(null, "INVALID_REQUEST")] },
  ]);
  await stillServing("garbage");
}, 10_000);

/**
 * Writes one endless line (up to `total` bytes) as a hostile client would: the server's FIN is
 * ignored and writing goes on until the connection is really gone. Returns the bytes the server
 * let in and the frames it sent.
 */
async function pushEndlessLine(total: number): Promise<{ accepted: number; frames: Envelope[] }> {
  const decoder = new TextDecoder();
  let text = "";
  let gone = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const socket: Socket<undefined> = await Bun.connect({
    unix: served.socket,
    allowHalfOpen: true,
    socket: {
      data(_socket, chunk) {
        text += decoder.decode(chunk, { stream: true });
      },
      drain: poke,
      close() {
        gone = true;
        poke();
      },
      error() {
        gone = true;
        poke();
      },
    },
  });
  const piece = noise(64 * 1024, 7);
  let accepted = 0;
  try {
    while (accepted < total && !gone) {
      const written = socket.write(piece);
      if (written > 0) accepted += written;
      if (written < piece.length) {
        // The kernel buffer is full: wait until the server reads on (drain) or the connection is gone.
        let timer: Timer | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, 2_000);
        });
        clearTimeout(timer);
      }
    }
  } finally {
    socket.terminate();
  }
  const frames = text
    .split("\n")
    .filter((frame) => frame !== "")
    .map((frame) => JSON.parse(frame) as Envelope);
  return { accepted, frames };
}

test("a 10 MB line without a newline: INVALID_REQUEST, then the server stops reading and closes; nothing is buffered", async () => {
  const startedAt = performance.now();
  const { accepted, frames } = await pushEndlessLine(10 * MiB);
  console.log(`10 MB line: answered and closed after ${MB(accepted)} let in, in ${(performance.now() - startedAt).toFixed(0)} ms`);
  expect(frames).toEqual([tooLong()]);
  // The limit plus what the kernel buffers: a server that kept reading (or waited for a newline) takes all 10 MB.
  expect(accepted).toBeLessThan(MiB);
  await stillServing("a 10 MB line");
}, 15_000);

test("a good request and an over-long line in one write: the request is answered, then INVALID_REQUEST, then close", async () => {
  // Both arrive in one read: the line splitter must not lose the complete line before the bad one.
  await eachAnsweredThenClosed([
    { why: "then too long", sent: concatBytes(bytes(line({ id: 1, command: "ps" })), noise(MAX_LINE_BYTES + 1, 3)), expected: [ok(1, psData()), tooLong()] },
    {
      why: "then not UTF-8",
      sent: concatBytes(bytes(line({ id: 2, command: "ps" })), new Uint8Array([0xff, 0x0a])),
      expected: [ok(2, psData()), err(null, "INVALID_REQUEST")],
    },
  ]);
  await stillServing("a good request before a bad line");
}, 10_000);

test("deeply nested JSON: over the limit, unbalanced, or balanced in args, id or at the top, each gets its answer", async () => {
  const depth = 30_000; // 60 kB balanced: within the 64 KiB limit
  const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
  await eachAnsweredThenClosed([
    { why: "100k [", sent: `${"[".repeat(100_000)}\n`, expected: [tooLong()] },
    { why: "60k unbalanced [", sent: `${"[".repeat(60_000)}\n`, expected: [err(null, "INVALID_REQUEST")] },
    { why: "60k unbalanced {", sent: `${'{"a":'.repeat(12_000)}\n`, expected: [err(null, "INVALID_REQUEST")] },
    { why: "balanced at the top", sent: `${nested}\n`, expected: [err(null, "INVALID_REQUEST")] },
    { why: "balanced as the id", sent: `{"id":${nested},"command":"ps"}\n`, expected: [err(null, "INVALID_REQUEST")] },
    { why: "balanced as the command", sent: `{"id":4,"command":${nested}}\n`, expected: [err(4, "INVALID_REQUEST")] },
  ]);
  // Deep but well-formed args are an argument error, and the connection stays usable.
  using connection = await rawConnect(served.socket);
  await connection.send(`{"id":1,"command":"ps","args":{"deep":${nested}}}\n{"id":2,"command":"status","args":{"agent":${nested}}}\n`);
  expect(await connection.take(2)).toEqual([err(1, "INVALID_ARGUMENT", { argument: "deep", expected: [] }), err(2, "INVALID_ARGUMENT", { argument: "agent" })]);
  await connection.send(line({ id: 3, command: "ps" }));
  expect(await connection.next()).toEqual(ok(3, psData()));
  await stillServing("deep JSON");
}, 10_000);

test("huge requests within the limit: answered by their content, never by their size", async () => {
  const room = MAX_LINE_BYTES - 200;
  const manyKeys: Record<string, number> = {};
  for (let i = 0; JSON.stringify(manyKeys).length < room; i++) manyKeys[`k${i}`] = i;
  using connection = await rawConnect(served.socket);
  await connection.send(
    line({ id: 1, command: "ps", args: manyKeys }) +
      line({ id: 2, command: "status", args: { agent: "A".repeat(room) } }) +
      // Unknown top-level fields are ignored, however big.
      line({ id: 3, command: "ps", padding: "x".repeat(room) }) +
      line({ id: 4, command: "ps", args: { agent: "A" } }),
  );
  expect(await connection.take(4)).toEqual([
    err(1, "INVALID_ARGUMENT", { argument: "k0", expected: [] }),
    err(2, "INVALID_ARGUMENT", { argument: "agent" }),
    ok(3, psData()),
    err(4, "INVALID_ARGUMENT", { argument: "agent", expected: [] }),
  ]);
  // A command name as long as a line would be echoed into answers, history and logs: refused at the door.
  await eachAnsweredThenClosed([
    { why: "60 kB command", sent: line({ id: 5, command: "x".repeat(room) }), expected: [err(5, "INVALID_REQUEST")] },
    { why: "long command", sent: line({ id: 6, command: "x".repeat(MAX_COMMAND_LENGTH + 1) }), expected: [err(6, "INVALID_REQUEST")] },
    { why: "129-char id", sent: line({ id: "i".repeat(129), command: "ps" }), expected: [err(null, "INVALID_REQUEST")] },
  ]);
  await stillServing("huge requests");
}, 10_000);

test("NUL bytes, invalid UTF-8 and random binary: INVALID_REQUEST and closed; escaped NUL and lone surrogates are just data", async () => {
  const request = bytes('{"id":1,"command":"ps"}');
  await eachAnsweredThenClosed([
    { why: "a raw NUL after the object", sent: concatBytes(request, new Uint8Array([0x00, 0x0a])), expected: [err(null, "INVALID_REQUEST")] },
    {
      why: "a raw NUL inside a string",
      sent: concatBytes(bytes('{"id":"a'), new Uint8Array([0x00]), bytes('b","command":"ps"}\n')),
      expected: [err(null, "INVALID_REQUEST")],
    },
    { why: "only NULs", sent: concatBytes(new Uint8Array(1000), bytes("\n")), expected: [err(null, "INVALID_REQUEST")] },
    {
      why: "overlong '/'",
      sent: concatBytes(bytes('{"id":"'), new Uint8Array([0xc0, 0xaf]), bytes('","command":"ps"}\n')),
      expected: [err(null, "INVALID_REQUEST")],
    },
    {
      why: "UTF-8-encoded surrogate",
      sent: concatBytes(bytes('{"id":"'), new Uint8Array([0xed, 0xa0, 0x80]), bytes('","command":"ps"}\n')),
      expected: [err(null, "INVALID_REQUEST")],
    },
    {
      why: "a 5-byte sequence",
      sent: concatBytes(bytes('{"id":"'), new Uint8Array([0xf8, 0x88, 0x80, 0x80, 0x80]), bytes('","command":"ps"}\n')),
      expected: [err(null, "INVALID_REQUEST")],
    },
    {
      why: "a character cut by the newline",
      sent: concatBytes(bytes('{"id":"'), new Uint8Array([0xe6, 0x97, 0x0a])),
      expected: [err(null, "INVALID_REQUEST")],
    },
    { why: "4 kB of random binary", sent: concatBytes(noise(4096, 11), bytes("\n")), expected: [err(null, "INVALID_REQUEST")] },
    {
      why: "binary after a good request",
      sent: concatBytes(bytes(line({ id: 9, command: "ps" })), noise(100, 5), bytes("\n")),
      expected: [ok(9, psData()), err(null, "INVALID_REQUEST")],
    },
  ]);
  // Escaped, the same characters are valid JSON strings: they come back intact in the id.
  using connection = await rawConnect(served.socket);
  const ids = ["a\u0000b", "\ud800", "\udfff\ud800", "\u001b[2J", "日本\u{1f600}", "\ufeff"];
  await connection.send(ids.map((id) => line({ id, command: "ps" })).join(""));
  expect(await connection.take(ids.length)).toEqual(ids.map((id) => ok(id, psData())));
  await stillServing("binary data");
}, 10_000);

test("wrong field types get INVALID_REQUEST and a close; unknown commands and bad arguments keep the connection", async () => {
  await eachAnsweredThenClosed([
    { why: "infinite id", sent: '{"id":1e400,"command":"ps"}\n', expected: [err(null, "INVALID_REQUEST")] },
    { why: "null id", sent: line({ id: null, command: "ps" }), expected: [err(null, "INVALID_REQUEST")] },
    { why: "array id", sent: line({ id: [1], command: "ps" }), expected: [err(null, "INVALID_REQUEST")] },
    { why: "null command", sent: line({ id: 1, command: null }), expected: [err(1, "INVALID_REQUEST")] },
    { why: "array command", sent: line({ id: 2, command: ["ps"] }), expected: [err(2, "INVALID_REQUEST")] },
    { why: "object command", sent: line({ id: 3, command: { name: "ps" } }), expected: [err(3, "INVALID_REQUEST")] },
    { why: "boolean command", sent: line({ id: 4, command: true }), expected: [err(4, "INVALID_REQUEST")] },
    { why: "numeric args", sent: line({ id: 5, command: "ps", args: 1 }), expected: [err(5, "INVALID_REQUEST")] },
    { why: "boolean args", sent: line({ id: 6, command: "ps", args: true }), expected: [err(6, "INVALID_REQUEST")] },
    { why: "command with a space", sent: line({ id: 7, command: "p s" }), expected: [err(7, "INVALID_REQUEST")] },
    { why: "command with a tab", sent: line({ id: 8, command: "ps\t" }), expected: [err(8, "INVALID_REQUEST")] },
  ]);

  using connection = await rawConnect(served.socket);
  const requests = [
    // Names that exist on every JS object are still unknown commands.
    line({ id: 1, command: "__proto__" }),
    line({ id: 2, command: "constructor" }),
    line({ id: 3, command: "hasOwnProperty", args: { agent: "A" } }),
    line({ id: 4, command: "PS" }),
    line({ id: 5, command: "status", args: { agent: { name: "A" } } }),
    line({ id: 6, command: "status", args: { agent: 1e308 } }),
    line({ id: 7, command: "status", args: { agent: "A\n" } }),
    line({ id: 8, command: "stop", args: { agent: "A", signal: "KILL" } }),
    // By hand: in an object literal, __proto__ would set the prototype instead of a key.
    '{"id":9,"command":"ps","args":{"__proto__":{"polluted":true}}}\n',
    // Huge numbers are ids like any other, echoed as JSON writes them.
    line({ id: 1e308, command: "ps" }),
    line({ id: -0.5, command: "ps" }),
  ];
  await connection.send(requests.join(""));
  const unknown = (id: number, command: string) => err(id, "UNKNOWN_COMMAND", expect.objectContaining({ command }));
  expect(await connection.take(requests.length)).toEqual([
    unknown(1, "__proto__"),
    unknown(2, "constructor"),
    unknown(3, "hasOwnProperty"),
    unknown(4, "PS"),
    err(5, "INVALID_ARGUMENT", { argument: "agent" }),
    err(6, "INVALID_ARGUMENT", { argument: "agent" }),
    err(7, "INVALID_ARGUMENT", { argument: "agent" }),
    err(8, "INVALID_ARGUMENT", { argument: "signal", expected: ["agent"] }),
    err(9, "INVALID_ARGUMENT", { argument: "__proto__", expected: [] }),
    ok(1e308, psData()),
    ok(-0.5, psData()),
  ]);
  // Duplicate keys: the last one counts, as JSON.parse reads it.
  await connection.send('{"id":1,"id":"dup","command":"frobnicate","command":"ps"}\n');
  expect(await connection.next()).toEqual(ok("dup", psData()));
  expect(connection.isClosed()).toBe(false);
  await stillServing("wrong field types");
}, 10_000);

test("a command name cannot forge serve's log lines", async () => {
  const marker = `FORGED-${Math.random().toString(36).slice(2)}`;
  await eachAnsweredThenClosed([
    { why: "newline in command", sent: line({ id: 1, command: `ps\n2026-01-01T00:00:00.000Z info    ${marker}` }), expected: [err(1, "INVALID_REQUEST")] },
    { why: "escape in command", sent: line({ id: 2, command: `\u001b[2J${marker}` }), expected: [err(2, "INVALID_REQUEST")] },
  ]);
  await stillServing("log forging");
  // The rejections are logged, each with a fixed reason; the marker never reaches the log.
  expect(served.stderr()).toContain("must be a command name");
  expect(served.stderr()).not.toContain(marker);
}, 10_000);

test("half a frame, then the client's FIN or a hard disconnect: no answer for the half, nothing leaks", async () => {
  {
    using connection = await rawConnect(served.socket);
    await connection.send('{"id": 1, "comm');
    connection.finishWriting();
    // The unfinished line is not a request: no answer, and the server closes.
    expect(await framesUntilClosed(connection, "half a frame and FIN")).toEqual([]);
  }
  {
    using connection = await rawConnect(served.socket);
    await connection.send(`${line({ id: 1, command: "ps" })}{"id": 2, "command": "p`);
    connection.finishWriting();
    expect(await framesUntilClosed(connection, "a request, half a frame and FIN")).toEqual([ok(1, psData())]);
  }
  // Half a frame, then gone without a word: ten of them.
  for (let i = 0; i < 10; i++) {
    const socket = await Bun.connect({ unix: served.socket, socket: { data() {} } });
    socket.write(`{"id": ${i}, "command": "st`);
    socket.terminate();
  }
  await noClientConnected("serve to let go of every half-frame connection");
  await stillServing("half frames");
}, 10_000);

/** Connects, writes, and vanishes (no FIN dance, no reading). */
async function fireAndVanish(payload: Uint8Array): Promise<void> {
  const socket: Socket<undefined> = await Bun.connect({ unix: served.socket, socket: { data() {} } });
  // The kernel takes a few hundred kB at once: all of a 200-request burst.
  expect(socket.write(payload)).toBe(payload.length);
  socket.terminate();
}

test("clients that pipeline 200 requests and vanish before reading an answer: serve drops them and goes on", async () => {
  const burst = bytes(
    Array.from({ length: 200 }, (_, i) =>
      line(i % 3 === 0 ? { id: i, command: "ps" } : i % 3 === 1 ? { id: i, command: "status", args: { agent: "A" } } : { id: i, command: "stats" }),
    ).join(""),
  );
  await Promise.all(Array.from({ length: 20 }, () => fireAndVanish(burst)));
  await noClientConnected("serve to close every vanished client's connection");
  await stillServing("vanished clients");
}, 10_000);

test("a client that keeps sending but never reads is cut off at once; memory stays bounded", async () => {
  const pid = served.proc.pid;
  const before = rssBytes(pid);
  let peak = before;
  // Status answers are about 1 kB: a few hundred fill the kernel buffer, so the rest must wait in serve.
  const batch = Buffer.from(Array.from({ length: 100 }, (_, i) => line({ id: i, command: "status", args: { agent: "A" } })).join(""));
  const client = net.createConnection({ path: served.socket });
  // Paused: nothing is read.
  client.pause();
  let cutOff = false;
  client.on("error", () => (cutOff = true)).on("close", () => (cutOff = true));
  const startedAt = performance.now();
  let sent = 0;
  try {
    await waitFor(
      () => {
        peak = Math.max(peak, rssBytes(pid));
        if (cutOff) return true;
        // Send only while our own buffer is small: the pressure must be on serve, not on us.
        if (client.writableLength < MiB) {
          client.write(batch);
          sent += 100;
        }
        return false;
      },
      "serve to refuse the writes of a client that never reads",
      10_000,
      2,
    );
  } finally {
    client.destroy();
  }
  console.log(
    `never-reading client: cut off after ${sent} requests sent in ${(performance.now() - startedAt).toFixed(0)} ms; RSS ${MB(before)} → peak ${MB(peak)} (+${MB(peak - before)})`,
  );
  expect(peak - before).toBeLessThan(RSS_GROWTH_LIMIT);
  await stillServing("a client that never reads");
}, 15_000);

test("a client that never reads its last answers is let go while it still holds its socket", async () => {
  const pid = served.proc.pid;
  await noClientConnected("the earlier tests' connections to be gone");
  // 300 pipelined status requests: 256 answers (~256 kB, more than the kernel buffers) and then
  // INVALID_REQUEST for the one over the queue limit. They can never all leave: nothing reads them.
  const client = net.createConnection({ path: served.socket });
  client.pause();
  let closedOnOurSide = false;
  client.on("close", () => (closedOnOurSide = true)).on("error", () => {});
  try {
    client.write(Array.from({ length: 300 }, (_, i) => line({ id: i, command: "status", args: { agent: "A" } })).join(""));
    await waitFor(() => socketCount(pid) > idleSockets, "serve to accept the connection", 5_000);
    const startedAt = performance.now();
    await stillServing("a stalled client");
    await noClientConnected("serve to drop the stalled connection");
    console.log(`stalled client: dropped after ${(performance.now() - startedAt).toFixed(0)} ms`);
    // It was serve that let go: we never closed, and wrote nothing that could have failed.
    expect(closedOnOurSide).toBe(false);
  } finally {
    client.destroy();
  }
}, 15_000);

test("silent clients and a client stalled mid-line do not hold anyone up, and are not dropped early", async () => {
  const silent = await Promise.all(Array.from({ length: 20 }, () => rawConnect(served.socket)));
  using stalled = await rawConnect(served.socket);
  try {
    await stalled.send('{"id": "stalled", "command": "p');
    await stillServing("silent clients");
    // Well inside the 60 s idle timeout, nobody was answered or closed.
    expect(silent.map((connection) => [connection.isClosed(), connection.pending()])).toEqual(silent.map(() => [false, 0]));
    expect([stalled.isClosed(), stalled.pending()]).toEqual([false, 0]);
    // Each can still speak up and be served.
    await stalled.send('s"}\n');
    expect(await stalled.next()).toEqual(ok("stalled", psData()));
    await Promise.all(silent.map((connection, i) => connection.send(line({ id: `late-${i}`, command: "ps" }))));
    expect(await Promise.all(silent.map((connection) => connection.next()))).toEqual(silent.map((_, i) => ok(`late-${i}`, psData())));
  } finally {
    for (const connection of silent) connection.end();
  }
}, 10_000);

test("300 connections at once each get their own ps answer", async () => {
  const startedAt = performance.now();
  const connections = await Promise.all(Array.from({ length: 300 }, () => rawConnect(served.socket)));
  try {
    await Promise.all(connections.map((connection, i) => connection.send(line({ id: `c${i}`, command: "ps" }))));
    const answers = await Promise.all(connections.map((connection) => connection.next(15_000)));
    console.log(`300 connections: all answered in ${(performance.now() - startedAt).toFixed(0)} ms`);
    expect(answers).toEqual(connections.map((_, i) => ok(`c${i}`, psData())));
  } finally {
    for (const connection of connections) connection.end();
  }
  await stillServing("300 connections");
}, 20_000);

test("a flood of 200 clients each sending 1 MB without a newline: each answered and closed, serve's memory bounded", async () => {
  const pid = served.proc.pid;
  const garbage = noise(MiB, 42);
  const before = rssBytes(pid);
  let peak = before;
  let flooding = true;
  const sampling = (async () => {
    while (flooding) {
      peak = Math.max(peak, rssBytes(pid));
      await Bun.sleep(5);
    }
  })();
  const startedAt = performance.now();
  const connections = await Promise.all(Array.from({ length: 200 }, () => rawConnect(served.socket)));
  try {
    const answers = connections.map(async (connection) => {
      await connection.send(garbage);
      return framesUntilClosed(connection, "1 MB of garbage");
    });
    // A well-behaved client is served in the middle of the flood.
    await stillServing("the start of the flood");
    expect(await Promise.all(answers)).toEqual(connections.map(() => [tooLong()]));
  } finally {
    flooding = false;
    await sampling;
    for (const connection of connections) connection.end();
  }
  const after = rssBytes(pid);
  console.log(
    `1 MB × 200 flood: ${(performance.now() - startedAt).toFixed(0)} ms; RSS ${MB(before)} → peak ${MB(peak)} (+${MB(peak - before)}), after ${MB(after)}`,
  );
  // Buffering the flood would take 200 MB.
  expect(peak - before).toBeLessThan(RSS_GROWTH_LIMIT);
  await stillServing("the flood");
}, 20_000);

// Each command is audited in the history; a rejected agent name (up to 64 KiB of the client's
// text) must not be what is kept: 2000 of them once held about 150 MiB.
test("huge rejected arguments do not pile up in serve's memory", async () => {
  const pid = served.proc.pid;
  const before = rssBytes(pid);
  using connection = await rawConnect(served.socket);
  for (let round = 0; round < 20; round++) {
    const batch = Array.from({ length: 100 }, (_, i) => line({ id: i, command: "status", args: { agent: `${"A".repeat(60_000)}${round}-${i}` } }));
    await connection.send(batch.join(""));
    expect(await connection.take(100, 10_000)).toEqual(batch.map((_, i) => err(i, "INVALID_ARGUMENT", { argument: "agent" })));
  }
  const growth = rssBytes(pid) - before;
  console.log(`2000 rejected 60 kB agent names: RSS +${MB(growth)}`);
  expect(growth).toBeLessThan(RSS_GROWTH_LIMIT);
}, 20_000);
