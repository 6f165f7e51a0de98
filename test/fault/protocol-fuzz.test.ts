// A seeded protocol fuzzer against a real serve: random bytes and mutated requests on many
// connections. Every answer must be a well-formed envelope, serve must live, and a well-behaved
// client must be served afterwards. The frames are a pure function of the seed (printed; set
// PYO_FUZZ_SEED to replay); which agent state each meets depends on timing.

import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { readFileSync } from "node:fs";
import { MAX_LINE_BYTES } from "../../src/protocol/codec.ts";
import { ERROR_CODES } from "../../src/protocol/errors.ts";
import { serve } from "../helpers/serve.ts";
import { concatBytes, mulberry32 } from "../helpers/seeded.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const MAX_FRAMES = 2_000;
const MAX_MS = 15_000;
const WORKERS = 8;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const SEED = process.env.PYO_FUZZ_SEED ? Number(process.env.PYO_FUZZ_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);

/** Seeded choices: the frames are a pure function of the seed. */
function random(seed: number) {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof random>;

const encoder = new TextEncoder();
const COMMANDS = ["ps", "status", "stats", "report", "start", "stop", "restart", "reload", "shutdown", "frobnicate", "PS", "__proto__", "toString", ""];
const AGENT_NAMES = ["A", "B", "Nope", "../etc", "a b", "", "A".repeat(65)];
const STRINGS = [
  "",
  "ps",
  "A",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "\u202egnp",
  "e\u0301",
  "日本語",
  "\u{1f600}",
  "\n",
  "\r\n",
  "\u001b[31m",
  "\\",
  '"',
  "\ufeff",
  "null",
];
const RAW_NUMBERS = [
  "1e400",
  "-1e400",
  "1e308",
  "-0",
  "123456789012345678901234567890",
  "9007199254740993",
  "0.0000000000000000000001",
  "1e-400",
  "01",
  "+1",
  ".5",
  "0x10",
  "NaN",
  "Infinity",
];

/** A JSON value of any type, now and then a big or deep one. */
function weird(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 5e-324, rng.int(-1e6, 1e6)]);
    case 3:
      return rng.pick(STRINGS);
    case 4:
      return Array.from({ length: rng.int(1, 40) }, () => rng.pick(STRINGS)).join("");
    case 5:
      // Now and then long: around or past the 64 KiB line limit.
      return rng.chance(0.1) ? "x".repeat(rng.int(1_000, 70_000)) : rng.pick(AGENT_NAMES);
    case 6:
      return Array.from({ length: rng.int(0, 4) }, () => weird(rng, depth + 1));
    case 7: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(0, 4); i > 0; i--) {
        // defineProperty: a "__proto__" key must be an own key, as JSON.parse makes it.
        Object.defineProperty(object, rng.pick(["agent", "__proto__", "constructor", "id", "k", "\u0000"]), {
          value: weird(rng, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    default:
      // Deeply nested arrays, written into the text by `serialize` (cheaper than building them).
      return `${DEEP}${rng.int(1, 20_000)}`;
  }
}

const DEEP = "\u0001deep:";

/** JSON.stringify, with every DEEP placeholder replaced by that many nested arrays. */
function serialize(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001deep:(\d+)"/g, (_, levels: string) => `${"[".repeat(Number(levels))}${"]".repeat(Number(levels))}`);
}

/** A well-formed request for a known or unknown command. */
function request(rng: Rng): Record<string, unknown> {
  const command = rng.pick(COMMANDS);
  const id = rng.chance(0.5) ? rng.int(0, 1e9) : `f-${rng.int(0, 1e6)}`;
  const args = ["status", "start", "stop", "restart"].includes(command) && rng.chance(0.8) ? { agent: rng.pick(AGENT_NAMES) } : {};
  return rng.chance(0.3) ? { id, command } : { id, command, args };
}

/** A request with one to three fields set to values of the wrong type, or extra/duplicate ones. */
function structuralMutation(rng: Rng): string {
  const value = request(rng);
  for (let i = rng.int(1, 3); i > 0; i--) {
    const field = rng.pick(["id", "command", "args", "agent", "extra"]);
    if (field === "agent") value.args = { ...(value.args as object), agent: weird(rng) };
    else if (field === "extra") value[rng.pick(["extra", "stream", "end", "status"])] = weird(rng);
    else if (rng.chance(0.2)) delete value[field];
    else value[field] = weird(rng);
  }
  let text = serialize(value);
  // Duplicate keys: the last one wins in JSON.parse; the server must cope with either.
  if (rng.chance(0.2)) text = `${text.slice(0, -1)},${JSON.stringify(rng.pick(["id", "command", "args"]))}:${serialize(weird(rng))}}`;
  // Numbers JSON.stringify cannot write.
  if (rng.chance(0.15)) text = `{"id":${rng.pick(RAW_NUMBERS)},"command":"ps"}`;
  return text;
}

/** A valid request's bytes, flipped, cut, spliced or repeated. */
function byteMutation(rng: Rng): Uint8Array {
  let bytes = encoder.encode(JSON.stringify(request(rng)));
  for (let i = rng.int(1, 4); i > 0; i--) {
    const at = rng.int(0, bytes.length);
    const copy = Array.from(bytes);
    switch (rng.int(0, 5)) {
      case 0: // flip bits
        if (copy.length > 0) copy[Math.min(at, copy.length - 1)] = (copy[Math.min(at, copy.length - 1)] as number) ^ (1 << rng.int(0, 7));
        break;
      case 1: // delete a range
        copy.splice(at, rng.int(1, 8));
        break;
      case 2: // insert random bytes (a newline among them now and then)
        copy.splice(at, 0, ...Array.from({ length: rng.int(1, 8) }, () => (rng.chance(0.05) ? 0x0a : rng.int(0, 255))));
        break;
      case 3: // repeat a slice
        copy.splice(at, 0, ...copy.slice(at, at + rng.int(1, 20)));
        break;
      case 4: // truncate
        copy.length = at;
        break;
      default: // insert a multi-byte character, whole or cut
        copy.splice(at, 0, ...Array.from(encoder.encode(rng.pick(["é", "日", "\u{1f600}"]))).slice(0, rng.int(1, 4)));
    }
    bytes = Uint8Array.from(copy);
  }
  return bytes;
}

function randomBytes(rng: Rng): Uint8Array {
  const size = rng.chance(0.05) ? rng.int(60_000, 200_000) : rng.int(1, 600);
  return Uint8Array.from({ length: size }, () => rng.int(0, 255));
}

/** One line to send: its bytes, usually with the newline that ends it. */
function frame(rng: Rng): Uint8Array {
  const kind = rng.int(0, 9);
  let body: Uint8Array;
  if (kind <= 1) body = randomBytes(rng);
  else if (kind <= 4) body = encoder.encode(structuralMutation(rng));
  else if (kind <= 7) body = byteMutation(rng);
  else body = encoder.encode(JSON.stringify(request(rng)));
  const terminated = rng.chance(0.95);
  const bytes = new Uint8Array(body.length + (terminated ? 1 : 0));
  bytes.set(body);
  if (terminated) bytes[body.length] = 0x0a;
  return bytes;
}

interface Plan {
  frames: Uint8Array[];
  /**
   * Starts with well-formed ps and status requests, maybe followed by one fuzzed frame in the same
   * write: those requests must be answered first, in order, whatever comes after them.
   */
  control: Array<string | number> | null;
  /** Closes the connection right after writing, reading nothing. */
  vanish: boolean;
}

/** The whole run, fixed by the seed before anything is sent. */
function plan(seed: number): Plan[] {
  const rng = random(seed);
  const plans: Plan[] = [];
  let total = 0;
  while (total < MAX_FRAMES) {
    const count = Math.min(rng.int(1, 8), MAX_FRAMES - total);
    total += count;
    if (rng.chance(0.1)) {
      const tail = count > 1 && rng.chance(0.5);
      const ids = Array.from({ length: tail ? count - 1 : count }, (_, i) => (rng.chance(0.5) ? `ctl-${plans.length}-${i}` : rng.int(0, 1e9)));
      const frames: Uint8Array[] = ids.map((id, i) =>
        encoder.encode(`${JSON.stringify(i % 2 ? { id, command: "ps" } : { id, command: "status", args: { agent: "A" } })}\n`),
      );
      if (tail) frames.push(frame(rng));
      plans.push({ frames, control: ids, vanish: false });
    } else {
      plans.push({ frames: Array.from({ length: count }, () => frame(rng)), control: null, vanish: rng.chance(0.1) });
    }
  }
  return plans;
}

/**
 * Sends the frames, then FIN (unless vanishing), and collects everything the server writes until
 * it closes the connection. Resolves to the raw text received.
 */
async function exchange(path: string, { frames, vanish }: Plan): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  let gone = false;
  const done = Promise.withResolvers<void>();
  let wake: (() => void) | null = null;
  const finish = () => {
    gone = true;
    wake?.();
    done.resolve();
  };
  const socket: Socket<undefined> = await Bun.connect({
    unix: path,
    allowHalfOpen: true,
    socket: {
      data(_socket, chunk) {
        text += decoder.decode(chunk, { stream: true });
      },
      drain() {
        wake?.();
      },
      end(socket) {
        socket.end();
        finish();
      },
      close: finish,
      error: finish,
    },
  });
  let pending = concatBytes(...frames);
  while (pending.length > 0 && !gone) {
    const written = socket.write(pending);
    pending = pending.subarray(Math.max(0, written));
    if (pending.length > 0) await new Promise<void>((resolve) => (wake = resolve));
  }
  if (vanish) {
    socket.terminate();
    return "";
  }
  if (!gone) socket.shutdown();
  let timer: Timer | undefined;
  const closed = await Promise.race([done.promise.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 10_000)))]);
  clearTimeout(timer);
  if (!closed) {
    socket.terminate();
    throw new Error(`the server neither answered and closed within 10 s; received so far: ${text.slice(0, 500)}`);
  }
  return text;
}

/** Why an answer line is not a valid envelope, or null when it is one. */
function envelopeProblem(line: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const envelope = value as Record<string, unknown>;
  if (!(envelope.id === null || typeof envelope.id === "number" || typeof envelope.id === "string")) return "bad id";
  if (typeof envelope.timestamp !== "string" || !TIMESTAMP.test(envelope.timestamp)) return "bad timestamp";
  for (const flag of ["stream", "end"]) if (flag in envelope && envelope[flag] !== true) return `bad ${flag}`;
  if (envelope.status === "success") return "data" in envelope ? null : "success without data";
  if (envelope.status !== "error") return "bad status";
  const error = envelope.error as Record<string, unknown> | undefined;
  if (typeof error !== "object" || error === null) return "error without error";
  if (!(ERROR_CODES as readonly unknown[]).includes(error.code)) return `unknown code ${String(error.code)}`;
  if (typeof error.message !== "string") return "error without message";
  if ("details" in error && (typeof error.details !== "object" || error.details === null || Array.isArray(error.details))) return "bad details";
  return null;
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

test("fuzzed frames on many connections: every answer is an envelope, serve lives and serves on", async () => {
  console.log(`protocol fuzz seed: ${SEED} (replay with PYO_FUZZ_SEED=${SEED})`);
  using _slot = await serveSlot();
  await using served = await serve(
    `[agents.A]\ncommand = ["sleep", "300"]\nstop_timeout = 1\n\n[agents.B]\ncommand = ["sleep", "300"]\nstop_timeout = 1\n`,
    // The fuzzer may well send a shutdown: it must be refused, not end the run.
    { orchestrator: 'blocked_commands = ["shutdown"]' },
  );
  const plans = plan(SEED);
  // The frames depend on the seed alone.
  const digest = (all: Plan[]) => Bun.hash(concatBytes(...all.flatMap((each) => each.frames))).toString(16);
  expect(digest(plan(SEED))).toBe(digest(plans));
  const rssBefore = rssBytes(served.proc.pid);
  const startedAt = performance.now();
  const problems: string[] = [];
  const codes: Record<string, number> = {};
  let next = 0;
  let framesSent = 0;
  let answers = 0;

  const worker = async () => {
    while (next < plans.length && performance.now() - startedAt < MAX_MS) {
      const index = next++;
      const current = plans[index] as Plan;
      framesSent += current.frames.length;
      let text: string;
      try {
        text = await exchange(served.socket, current);
      } catch (error) {
        problems.push(`connection ${index}: ${(error as Error).message}`);
        continue;
      }
      if (text !== "" && !text.endsWith("\n")) problems.push(`connection ${index}: a partial frame at the end: ${JSON.stringify(text.slice(-200))}`);
      const lines = text.split("\n").filter((line) => line !== "");
      // One answer per line sent, plus one for an unterminated tail past the line limit: that
      // is refused as it grows (INVALID_REQUEST, then close), not when a newline comes.
      const sent = concatBytes(...current.frames);
      const newlines = sent.filter((byte) => byte === 0x0a).length;
      const oversizedTail = sent.length - (sent.lastIndexOf(0x0a) + 1) > MAX_LINE_BYTES ? 1 : 0;
      if (lines.length > newlines + oversizedTail) problems.push(`connection ${index}: ${lines.length} answers to ${newlines} lines`);
      for (const [at, line] of lines.entries()) {
        answers++;
        const problem = envelopeProblem(line);
        if (problem) {
          problems.push(`connection ${index}: ${problem}: ${line.slice(0, 300)}`);
          continue;
        }
        const envelope = JSON.parse(line) as { status: string; error?: { code: string } };
        const code = envelope.error?.code ?? envelope.status;
        codes[code] = (codes[code] ?? 0) + 1;
        // INVALID_REQUEST ends the connection: nothing may follow it.
        if (code === "INVALID_REQUEST" && at !== lines.length - 1) problems.push(`connection ${index}: answers after INVALID_REQUEST`);
      }
      if (current.control) {
        const ids = lines.slice(0, current.control.length).map((line) => (JSON.parse(line) as { id: unknown }).id);
        if (JSON.stringify(ids) !== JSON.stringify(current.control)) {
          problems.push(`connection ${index}: well-formed requests answered as ${JSON.stringify(ids)}, sent ${JSON.stringify(current.control)}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  const elapsedMs = performance.now() - startedAt;
  console.log(
    `protocol fuzz: ${framesSent} frames on ${Math.min(next, plans.length)} connections in ${elapsedMs.toFixed(0)} ms; ` +
      `${answers} answers ${JSON.stringify(codes)}; RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssBytes(served.proc.pid) / 2 ** 20).toFixed(1)} MiB`,
  );

  expect(problems.slice(0, 20)).toEqual([]);
  // Something was really exercised: hundreds of frames, and the server said no as well as yes.
  expect(framesSent).toBeGreaterThan(200);
  expect(codes.INVALID_REQUEST ?? 0).toBeGreaterThan(0);
  expect(codes.success ?? 0).toBeGreaterThan(0);
  // A handler that threw is a bug, even though it costs only one request.
  expect(codes.INTERNAL_ERROR ?? 0).toBe(0);
  expect(served.stderr()).not.toContain("failed unexpectedly");
  // serve lives and a well-behaved client is served.
  expect(served.proc.exitCode).toBeNull();
  const ps = await waitFor(async () => {
    const answer = await served.call("ps", {}, 5_000);
    return answer.status === "success" && answer.data;
  }, "serve to answer ps after the fuzz run");
  expect(ps.agents.map((agent) => agent.name)).toEqual(["A", "B"]);
}, 60_000);
