// OutputLog on real files: raw bytes kept exactly, overlong and partial lines marked `+`,
// rotation by size without losing or reordering a line, and backpressure on the pipe.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_RECORD_PAYLOAD, type OutputStream, OutputLog } from "../../src/orchestrator/output-log.ts";
import { logFiles, parseRecords, readAllRecords, reconstruct } from "../helpers/log-records.ts";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pyo-outlog-"));
  path = join(dir, "logs", "Agent.log");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pipe as Bun hands it over: chunks produced only when read. */
function pipeOf(chunks: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        onPull?.();
        const chunk = chunks[next++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** `data` cut into chunks of varying sizes (deterministic), so lines straddle chunk edges. */
function chop(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

async function logAll(log: OutputLog, streams: Partial<Record<OutputStream, Uint8Array[]>>): Promise<void> {
  const drains = Object.entries(streams).map(([name, chunks]) => log.drain(pipeOf(chunks), name as OutputStream));
  await Promise.all(drains.map((drain) => drain.finished));
  await log.close();
}

const numberedLines = (count: number): string[] => Array.from({ length: count }, (_, i) => `line ${String(i + 1).padStart(5, "0")}`);

describe("OutputLog: records", () => {
  test("binary bytes 0x00–0xFF and invalid UTF-8 come back exactly, per stream, from one shared file", async () => {
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const invalid = Uint8Array.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0xf0, 0x9f]);
    const stdout = Buffer.concat([...Array.from({ length: 40 }, () => every), invalid, every.subarray(0, 20)]);
    const stderr = Buffer.concat(Array.from({ length: 10 }, () => invalid));
    const log = new OutputLog(path, () => {});
    await logAll(log, { stdout: chop(stdout, [1, 7, 300, 3, 1024]), stderr: chop(stderr, [5, 2]) });

    const bytes = readFileSync(path);
    const records = parseRecords(bytes);
    expect(reconstruct(records, "stdout")).toEqual(stdout);
    expect(reconstruct(records, "stderr")).toEqual(stderr);
    // Nothing was decoded: no U+FFFD replacement character anywhere in the file.
    expect(bytes.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
  });

  test("a line split across reads is one record; a partial last line is marked '+'", async () => {
    const log = new OutputLog(path, () => {});
    await logAll(log, { stdout: ["on", "e\ntw", "o\nthr"].map((text) => Buffer.from(text)) });
    const records = parseRecords(readFileSync(path)).map(({ stream, continues, payload }) => ({ stream, continues, text: payload.toString() }));
    expect(records).toEqual([
      { stream: "stdout", continues: false, text: "one" },
      { stream: "stdout", continues: false, text: "two" },
      { stream: "stdout", continues: true, text: "thr" },
    ]);
  });

  test("a 1 MB line is split into 64 KiB '+' records and reconstructs exactly", async () => {
    const line = Buffer.alloc(1_000_000);
    for (let i = 0; i < line.length; i++) line[i] = 0x20 + (i % 90);
    const data = Buffer.concat([line, Buffer.from("\nnext\n")]);
    const log = new OutputLog(path, () => {});
    await logAll(log, { stdout: chop(data, [100_003, 4_096]) });

    const records = parseRecords(readFileSync(path));
    expect(records.map((r) => [r.continues, r.payload.length])).toEqual([
      ...Array.from({ length: 15 }, () => [true, MAX_RECORD_PAYLOAD]),
      [false, 1_000_000 - 15 * MAX_RECORD_PAYLOAD],
      [false, 4],
    ]);
    expect(reconstruct(records, "stdout")).toEqual(data);
  });

  test("pieces of a long UTF-8 line are cut between characters, so each record decodes on its own", async () => {
    const line = Buffer.from(`x${"é".repeat(100_000)}${"🙂".repeat(40_000)}\n`);
    const log = new OutputLog(path, () => {});
    await logAll(log, { stdout: chop(line, [4_096, 65_536, 3]) });

    const records = parseRecords(readFileSync(path));
    const strict = new TextDecoder("utf-8", { fatal: true });
    for (const record of records) expect(() => strict.decode(record.payload)).not.toThrow();
    expect(records.slice(0, -1).every((r) => r.continues && r.payload.length > MAX_RECORD_PAYLOAD - 4)).toBe(true);
    expect(reconstruct(records, "stdout")).toEqual(line);
  });

  test("a line of exactly 64 KiB is one record; an endless line with no newline ends in '+' records", async () => {
    const exact = Buffer.concat([Buffer.alloc(MAX_RECORD_PAYLOAD, "a"), Buffer.from("\n")]);
    const endless = Buffer.alloc(200_000, "b");
    const log = new OutputLog(path, () => {});
    await logAll(log, { stdout: chop(exact, [10_000]), stderr: chop(endless, [65_535, 70_000]) });

    const records = parseRecords(readFileSync(path));
    const shape = (stream: OutputStream) => records.filter((r) => r.stream === stream).map((r) => [r.continues, r.payload.length]);
    expect(shape("stdout")).toEqual([[false, MAX_RECORD_PAYLOAD]]);
    expect(shape("stderr")).toEqual([
      [true, 65_536],
      [true, 65_536],
      [true, 65_536],
      [true, 200_000 - 3 * 65_536],
    ]);
    expect(reconstruct(records, "stderr")).toEqual(endless);
  });

  test("stop() ends a drain on a pipe that never closes, keeping its partial line", async () => {
    let activity = 0;
    const read = Promise.withResolvers<void>();
    const held = new OutputLog(join(dir, "logs", "Held.log"), () => {
      activity++;
      read.resolve();
    });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from("done\nhalf"));
      },
    });
    const drain = held.drain(stream, "stdout");
    await read.promise;
    drain.stop();
    await drain.finished;
    await held.close();
    const records = parseRecords(readFileSync(join(dir, "logs", "Held.log"))).map((r) => [r.continues, r.payload.toString()]);
    expect(records).toEqual([
      [false, "done"],
      [true, "half"],
    ]);
    expect(activity).toBe(1);
  });
});

describe("OutputLog: close", () => {
  test("close() while a pipe is still open writes what came before; bytes after it reopen the file", async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const read = Promise.withResolvers<void>();
    const log = new OutputLog(path, () => read.resolve());
    const drain = log.drain(
      new ReadableStream<Uint8Array>({
        start: (c) => {
          controller = c;
        },
      }),
      "stderr",
    );
    controller.enqueue(Buffer.from("before close\n"));
    await read.promise;
    await log.close();
    const text = (file: string) => parseRecords(readFileSync(file)).map((r) => r.payload.toString());
    expect(text(path)).toEqual(["before close"]);

    controller.enqueue(Buffer.from("after close\n"));
    controller.close();
    await drain.finished;
    await log.close();
    expect(text(path)).toEqual(["before close", "after close"]);
  });
});

describe("OutputLog: rotation", () => {
  test("every line is kept exactly once, in order, across the rotated files", async () => {
    const lines = numberedLines(2_000);
    const data = Buffer.from(`${lines.join("\n")}\n`);
    const log = new OutputLog(path, () => {}, { maxBytes: 4_096, keep: 100 });
    await logAll(log, { stdout: chop(data, [700, 13, 2_500, 1]) });

    const files = logFiles(path);
    expect(files.length).toBeGreaterThan(15);
    // Rotation happens between records: each file parses alone, and only the current one is under the limit.
    const longestRecord = 24 + 1 + 6 + 1 + 10 + 1;
    for (const file of files.slice(0, -1)) {
      const size = statSync(file).size;
      expect(size).toBeGreaterThanOrEqual(4_096);
      expect(size).toBeLessThan(4_096 + longestRecord);
      expect(parseRecords(readFileSync(file)).length).toBeGreaterThan(0);
    }
    expect(reconstruct(readAllRecords(path), "stdout").toString().split("\n").slice(0, -1)).toEqual(lines);
  });

  test("keep limits the rotated files: the oldest are dropped, leftovers beyond keep removed", async () => {
    // A larger keep earlier left Agent.log.4 and .5 behind.
    mkdirSync(join(dir, "logs"));
    writeFileSync(`${path}.4`, "old\n");
    writeFileSync(`${path}.5`, "older\n");
    const lines = numberedLines(500);
    const log = new OutputLog(path, () => {}, { maxBytes: 1_000, keep: 3 });
    await logAll(log, { stdout: chop(Buffer.from(`${lines.join("\n")}\n`), [333]) });

    expect([1, 2, 3, 4, 5].map((k) => existsSync(`${path}.${k}`))).toEqual([true, true, true, false, false]);
    const kept = reconstruct(readAllRecords(path), "stdout").toString().split("\n").slice(0, -1);
    // The newest lines survive, contiguous and in order, up to the very last one.
    expect(kept.length).toBeGreaterThan(50);
    expect(kept.length).toBeLessThan(lines.length);
    expect(kept).toEqual(lines.slice(-kept.length));
  });

  test("an existing file's size counts toward the first rotation", async () => {
    const earlier = new OutputLog(path, () => {});
    await logAll(earlier, { stdout: [Buffer.from(`${"x".repeat(950)}\n`)] });
    const before = readFileSync(path);
    const log = new OutputLog(path, () => {}, { maxBytes: 1_000, keep: 2 });
    await logAll(log, { stdout: [Buffer.from("crosses the limit\n"), Buffer.from("in the new file\n")] });

    expect(readFileSync(`${path}.1`).subarray(0, before.length)).toEqual(before);
    expect(parseRecords(readFileSync(`${path}.1`)).map((r) => r.payload.toString())).toEqual(["x".repeat(950), "crosses the limit"]);
    expect(parseRecords(readFileSync(path)).map((r) => r.payload.toString())).toEqual(["in the new file"]);
  });

  test("maxBytes 0 never rotates", async () => {
    const log = new OutputLog(path, () => {}, { maxBytes: 0, keep: 1 });
    await logAll(log, { stdout: chop(Buffer.alloc(300_000, "z\n"), [4_096]) });
    expect(logFiles(path)).toEqual([path]);
    expect(reconstruct(parseRecords(readFileSync(path)), "stdout")).toEqual(Buffer.alloc(300_000, "z\n"));
  });
});

describe("OutputLog: backpressure", () => {
  test("the pipe is not read faster than the disk takes it: the bytes held in memory stay bounded", async () => {
    const total = 40_000_000;
    const chunk = Buffer.alloc(250_000, `${"y".repeat(999)}\n`);
    const chunks = Array.from({ length: total / chunk.length }, () => chunk);
    let pulled = 0;
    let maxAhead = 0;
    const pipe = pipeOf(chunks, () => {
      // Bytes taken from the pipe that are not in the file yet (the file grows by records, ≥ the raw bytes).
      const written = existsSync(path) ? statSync(path).size : 0;
      maxAhead = Math.max(maxAhead, pulled - written);
      pulled += chunk.length;
    });
    const log = new OutputLog(path, () => {});
    await log.drain(pipe, "stdout").finished;
    await log.close();

    expect(maxAhead).toBeLessThan(4 * 1024 * 1024);
    const records = parseRecords(readFileSync(path));
    expect(records.length).toBe(total / 1_000);
    expect(records.every((r) => r.payload.length === 999 && !r.continues)).toBe(true);
  });
});
