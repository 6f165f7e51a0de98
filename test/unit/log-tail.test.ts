// The log reader on real files: the last lines across rotated files, continuation pieces joined,
// --since and --stream, a huge log read from its end only, and OutputLog's record subscription.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackwardRecords } from "../../src/orchestrator/log-records.ts";
import { followLog, lastLines, overlap, readLastLines } from "../../src/orchestrator/log-tail.ts";
import { type LogRecord, MAX_RECORD_PAYLOAD, OutputLog, type OutputStream } from "../../src/orchestrator/output-log.ts";
import { renderLogs } from "../../src/cli/render/logs.ts";
import type { LogMarker, LogsData } from "../../src/protocol/logs.ts";
import { resolveSince } from "../../src/server/log-query.ts";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pyo-reader-"));
  mkdirSync(join(dir, "logs"));
  path = join(dir, "logs", "Agent.log");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A record as OutputLog writes it; `second` gives each a distinct, increasing time. */
function rec(second: number, stream: string, payload: string | Uint8Array): Buffer {
  const time = new Date(Date.UTC(2026, 10, 24, 19, 0, 0) + second * 1000).toISOString();
  return Buffer.concat([Buffer.from(`${time} ${stream} `), Buffer.from(payload), Buffer.from("\n")]);
}
const at = (second: number) => new Date(Date.UTC(2026, 10, 24, 19, 0, 0) + second * 1000).toISOString();

const texts = (lines: { line: string }[]) => lines.map((line) => line.line);

/** A pipe handing over `chunks` one read at a time. */
function pipeOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

async function logThrough(log: OutputLog, streams: Partial<Record<OutputStream, Uint8Array[]>>): Promise<void> {
  const drains = Object.entries(streams).map(([name, chunks]) => log.drain(pipeOf(chunks), name as OutputStream));
  await Promise.all(drains.map((drain) => drain.finished));
  await log.close();
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await Bun.sleep(1);
  if (!condition()) throw new Error("condition never held");
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

describe("last lines", () => {
  test("the last N come from the current file and the rotated ones, oldest first", async () => {
    const log = new OutputLog(path, () => {}, { maxBytes: 2_000, keep: 100 });
    const text = `${numbered(1, 400).join("\n")}\n`;
    // Written in small chunks so that rotation happens many times between them.
    const chunks = text.match(/[\s\S]{1,300}/g)?.map((part) => Buffer.from(part)) ?? [];
    await logThrough(log, { stdout: chunks });
    expect(statSync(`${path}.5`).size).toBeGreaterThan(0);

    const tail = readLastLines(path, { lines: 150 });
    expect(tail.limited).toBe(false);
    expect(texts(tail.lines)).toEqual(numbered(251, 400));
    expect(tail.lines.every((line) => line.stream === "stdout" && line.partial === undefined)).toBe(true);
    expect(texts(readLastLines(path, { lines: 10_000 }).lines)).toEqual(numbered(1, 400));
    expect(readLastLines(path, { lines: 0 }).lines).toEqual([]);
  });

  test("no log (yet), or an empty one, is no lines", () => {
    expect(readLastLines(path, { lines: 100 }).lines).toEqual([]);
    writeFileSync(path, "");
    expect(readLastLines(path, { lines: 100 })).toEqual({ lines: [], limited: false, bytesRead: 0 });
  });

  test("continuation pieces are joined per stream, even across a rotation; a last piece without end is partial", () => {
    writeFileSync(`${path}.1`, Buffer.concat([rec(1, "stdout", "first"), rec(2, "stdout+", "ab"), rec(3, "stderr", "x")]));
    writeFileSync(
      path,
      Buffer.concat([rec(4, "stdout+", "cd"), rec(5, "stderr+", "y1"), rec(6, "stdout", "ef"), rec(7, "stderr", "y2"), rec(8, "stdout+", "tail")]),
    );
    expect(readLastLines(path, { lines: 100 }).lines).toEqual([
      { time: at(1), stream: "stdout", line: "first" },
      { time: at(3), stream: "stderr", line: "x" },
      { time: at(6), stream: "stdout", line: "abcdef" },
      { time: at(7), stream: "stderr", line: "y1y2" },
      { time: at(8), stream: "stdout", line: "tail", partial: true },
    ]);
    // The last two lines: the joined stdout line's pieces are read back however far they go.
    expect(readLastLines(path, { lines: 3, stream: "stdout" }).lines).toEqual([
      { time: at(1), stream: "stdout", line: "first" },
      { time: at(6), stream: "stdout", line: "abcdef" },
      { time: at(8), stream: "stdout", line: "tail", partial: true },
    ]);
  });

  test("--stream keeps one stream; --since keeps lines at or after it, and -n the last of those", () => {
    writeFileSync(path, Buffer.concat(Array.from({ length: 20 }, (_, i) => rec(i, i % 2 === 0 ? "stdout" : "stderr", `n${i}`))));
    expect(texts(readLastLines(path, { lines: 3, stream: "stderr" }).lines)).toEqual(["n15", "n17", "n19"]);
    expect(texts(readLastLines(path, { lines: 100, since: at(16) }).lines)).toEqual(["n16", "n17", "n18", "n19"]);
    expect(texts(readLastLines(path, { lines: 2, since: at(10) }).lines)).toEqual(["n18", "n19"]);
    expect(texts(readLastLines(path, { lines: 100, since: at(12), stream: "stdout" }).lines)).toEqual(["n12", "n14", "n16", "n18"]);
    expect(readLastLines(path, { lines: 100, since: at(99) }).lines).toEqual([]);
  });

  test("a line over 64 KiB is cut at a character boundary and marked; bytes that are not UTF-8 become U+FFFD", async () => {
    const log = new OutputLog(path, () => {});
    const long = "é".repeat(100_000); // 200 000 bytes: four records
    await logThrough(log, { stdout: [Buffer.from(`${long}\n`), Buffer.from([0x6f, 0x6b, 0xff, 0xc3, 0x28, 0x0a])] });
    const [cut, invalid] = readLastLines(path, { lines: 2 }).lines;
    expect(cut?.truncated).toBe(true);
    expect(cut?.line).toBe("é".repeat(MAX_RECORD_PAYLOAD / 2));
    expect(invalid).toEqual({ time: expect.any(String), stream: "stdout", line: "ok\uFFFD\uFFFD(" });
  });

  test("the answer stays within its byte budget: the newest lines are kept, and it says so", () => {
    writeFileSync(path, Buffer.concat(Array.from({ length: 200 }, (_, i) => rec(i, "stdout", `${i} ${"x".repeat(1_000)}`))));
    const tail = readLastLines(path, { lines: 200, maxAnswerBytes: 50_000 });
    expect(tail.limited).toBe(true);
    expect(tail.lines.length).toBeGreaterThan(40);
    expect(tail.lines.length).toBeLessThan(50);
    expect(tail.lines.at(-1)?.line.startsWith("199 ")).toBe(true);
  });

  test("records that are not ours (a torn last write, garbage) are skipped", () => {
    writeFileSync(
      path,
      Buffer.concat([rec(1, "stdout", "one"), Buffer.from("not a record\n"), rec(2, "stderr", "two"), Buffer.from("2026-11-24T19:00:03.000Z std")]),
    );
    expect(texts(readLastLines(path, { lines: 10 }).lines)).toEqual(["one", "two"]);
  });
});

describe("reading from the end", () => {
  test("the last 100 lines of a 512 MiB log cost a block or two, not the file", () => {
    // A sparse hole, then 4 MiB of real records: only the end is ever read.
    writeFileSync(path, "");
    truncateSync(path, 512 * 1024 * 1024);
    const block = Buffer.concat(Array.from({ length: 50_000 }, (_, i) => rec(i, "stdout", `processed batch ${i} ${"·".repeat(20)}`)));
    appendFileSync(path, block);
    expect(statSync(path).size).toBeGreaterThan(512 * 1024 * 1024);

    const hundred = readLastLines(path, { lines: 100 });
    expect(hundred.lines.length).toBe(100);
    expect(hundred.lines.at(-1)?.line.startsWith("processed batch 49999 ")).toBe(true);
    expect(hundred.bytesRead).toBeLessThanOrEqual(128 * 1024);

    const many = readLastLines(path, { lines: 10_000 });
    expect(many.lines[0]?.line.startsWith("processed batch 40000 ")).toBe(true);
    expect(many.bytesRead).toBeLessThan(1.5 * 10_000 * 100);
  });

  test("reading stops at its budget on a log of endless lines, with what it has", () => {
    const pieces = Array.from({ length: 40 }, (_, i) => rec(i, "stdout+", Buffer.alloc(MAX_RECORD_PAYLOAD, 0x61 + (i % 26))));
    writeFileSync(path, Buffer.concat([...pieces, rec(41, "stdout", "end")]));
    const tail = readLastLines(path, { lines: 1, maxScanBytes: 1024 * 1024 });
    expect(tail.bytesRead).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(tail.limited).toBe(true);
    expect(tail.lines.length).toBe(1);
    expect(tail.lines[0]?.truncated).toBe(true);
  });

  test("a file renamed by a rotation while it is read is not read twice", () => {
    writeFileSync(`${path}.1`, Buffer.concat([rec(1, "stdout", "a"), rec(2, "stdout", "b")]));
    writeFileSync(path, Buffer.concat([rec(3, "stdout", "c"), rec(4, "stdout", "d")]));
    const records = new BackwardRecords(path);
    expect(records.next()?.time).toBe(at(4));
    // Rotation: .1 → .2, current → .1, a fresh current with a newer record (not ours to read now).
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, rec(5, "stdout", "e"));
    const rest: string[] = [];
    for (let record = records.next(); record; record = records.next()) rest.push(Buffer.from(record.payload).toString());
    expect(rest).toEqual(["c", "b", "a"]);
  });
});

describe("handing over to a live subscription", () => {
  const record = (second: number, payload: string): LogRecord => ({ time: at(second), stream: "stdout", continues: false, payload: Buffer.from(payload) });

  test("overlap: how many of the records framed since subscribing the file already holds", () => {
    const live = [record(5, "e"), record(6, "f"), record(7, "g")];
    expect(overlap([record(6, "f"), record(5, "e"), record(4, "d")], live)).toBe(2);
    expect(overlap([record(4, "d"), record(3, "c")], live)).toBe(0);
    expect(overlap([], live)).toBe(0);
    // The same text at the same millisecond on both sides: only a whole run counts.
    expect(overlap([record(5, "x"), record(5, "x")], [record(5, "x"), record(6, "y")])).toBe(1);
  });

  test("followLog started mid-burst, with writes still queued for the disk: the tail and the live records meet exactly", async () => {
    const log = new OutputLog(path, () => {}, { maxBytes: 256 * 1024, keep: 1000 });
    const chunks = Array.from({ length: 1_500 }, (_, c) => Buffer.from(`${numbered(c * 40 + 1, c * 40 + 40).join("\n")}\n`));
    let following: ReturnType<typeof followLog> | null = null;
    let pulled = 0;
    const pipe = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Mid-stream, from inside the pipe: records framed just before are still queued for the disk.
        if (++pulled === 700) following = followLog(log, { lines: 5_000 });
        const chunk = chunks[pulled - 1];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const drain = log.drain(pipe, "stdout");
    await waitUntil(() => following !== null);
    const follow = await (following as unknown as ReturnType<typeof followLog>);
    const live: string[] = [];
    follow.start((record) => live.push(Buffer.from(record.payload).toString()));
    await drain.finished;
    await log.close();
    follow.stop();

    const seen = [...texts(follow.tail.lines), ...live].map((line) => Number(line.slice(5)));
    expect(follow.tail.lines.length).toBe(5_000);
    expect(live.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(60_000);
    expect(seen).toEqual(seen.map((_, i) => 60_000 - seen.length + 1 + i));
  });

  test("lastLines reads from any source of records, newest first", () => {
    const newest = [record(3, "c"), record(2, "b"), record(1, "a")];
    let next = 0;
    expect(texts(lastLines({ next: () => newest[next++] ?? null }, { lines: 2 }).lines)).toEqual(["b", "c"]);
  });

  test("OutputLog.onRecord hears every record in file order; a failing listener does not stop the pipe", async () => {
    const log = new OutputLog(path, () => {});
    const heard: string[] = [];
    log.onRecord(() => {
      throw new Error("a listener's bug");
    });
    const stop = log.onRecord((r) => heard.push(`${r.stream}${r.continues ? "+" : ""} ${Buffer.from(r.payload).toString()}`));
    await logThrough(log, { stdout: [Buffer.from("one\ntw"), Buffer.from("o\nthree")] });
    expect(heard).toEqual(["stdout one", "stdout two", "stdout+ three"]);
    stop();
    await logThrough(log, { stdout: [Buffer.from("four\n")] });
    expect(heard.length).toBe(3);
    expect(texts(readLastLines(path, { lines: 10 }).lines)).toEqual(["one", "two", "threefour"]);
  });
});

test("--since: ISO times (UTC without a zone) and durations ago", () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  expect(resolveSince("10m", now)).toBe("2026-11-24T11:50:00.000Z");
  expect(resolveSince("30s", now)).toBe("2026-11-24T11:59:30.000Z");
  expect(resolveSince("2h", now)).toBe("2026-11-24T10:00:00.000Z");
  expect(resolveSince("1d", now)).toBe("2026-11-23T12:00:00.000Z");
  expect(resolveSince("2026-11-24T19:16:45.121Z", now)).toBe("2026-11-24T19:16:45.121Z");
  expect(resolveSince("2026-11-24T19:16:45+01:00", now)).toBe("2026-11-24T18:16:45.000Z");
  expect(resolveSince("2026-11-24T19:16", now)).toBe("2026-11-24T19:16:00.000Z");
  expect(resolveSince("2026-11-24", now)).toBe("2026-11-24T00:00:00.000Z");
  for (const bad of ["yesterday", "10", "-5m", "10 m", "2026-13-45T99:00Z", ""]) expect(resolveSince(bad, now)).toBeNull();
});

test("table rendering: `TIME STREAM LINE`, a partial line's stream with `+` as in the file, a cut line marked", () => {
  const time = "2026-11-24T19:16:45.121Z";
  const data: LogsData = {
    agent: "A",
    agents: ["A"],
    count: 3,
    limited: false,
    filters: { lines: 3, stream: null, since: null, grep: null, markers: false },
    lines: [
      { time, agent: "A", stream: "stdout", line: "processed batch 1" },
      { time, agent: "A", stream: "stderr", line: "x".repeat(5), truncated: true },
      { time, agent: "A", stream: "stdout", line: "progress: 97%", partial: true },
    ],
    markers: [],
  };
  expect(renderLogs(data).split("\n")).toEqual([
    "2026-11-24T19:16:45.121Z stdout processed batch 1",
    "2026-11-24T19:16:45.121Z stderr xxxxx …[cut at 64 KiB]",
    "2026-11-24T19:16:45.121Z stdout+ progress: 97%",
  ]);
  expect(renderLogs({ ...data, lines: [], count: 0 })).toBe("");
});

const marker = (fields: Partial<LogMarker> & Pick<LogMarker, "time" | "agent" | "kind" | "event">): LogMarker => ({
  seq: 1,
  pid: null,
  run: null,
  exit_code: null,
  signal: null,
  ran_ms: null,
  error: null,
  ...fields,
});

test("merged: each line prefixed with its agent, run markers in time order (a start before its lines, an end after them)", () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 10, 24, 12, 0, 1) + ms).toISOString();
  const data: LogsData = {
    agent: null,
    agents: ["Weather", "DataProcessor"],
    count: 3,
    limited: false,
    filters: { lines: 100, stream: null, since: null, grep: null, markers: true },
    lines: [
      { time: at(0), agent: "Weather", stream: "stdout", line: "fetching" },
      { time: at(5), agent: "DataProcessor", stream: "stderr", line: "ALERT" },
      { time: at(2300), agent: "Weather", stream: "stdout", line: "done" },
    ],
    markers: [
      marker({ time: at(0), agent: "Weather", kind: "started", event: "EXECUTION_STARTED", pid: 4242, run: 3 }),
      marker({ time: at(2300), agent: "Weather", kind: "ended", event: "EXECUTION_FAILED", pid: 4242, run: 3, exit_code: 1, ran_ms: 2300 }),
      marker({ time: at(3000), agent: "DataProcessor", kind: "ended", event: "AGENT_EXITED", pid: 77, signal: "SIGKILL", ran_ms: 95 }),
      marker({ time: at(4000), agent: "DataProcessor", kind: "started", event: "AGENT_STARTED", pid: 78 }),
      marker({ time: at(4001), agent: "DataProcessor", kind: "ended", event: "AGENT_STOPPED", pid: 78, signal: "SIGTERM", ran_ms: 1 }),
      marker({ time: at(5000), agent: "Weather", kind: "ended", event: "EXECUTION_TIMEOUT", pid: 4250, ran_ms: 5000 }),
      marker({ time: at(6000), agent: "Weather", kind: "ended", event: "AGENT_FAILED", error: "ENOENT: no such executable: 'x'" }),
    ],
  };
  expect(renderLogs(data).split("\n")).toEqual([
    "Weather        ── run 3 started 12:00:01Z (pid 4242) ──",
    `Weather        ${at(0)} stdout fetching`,
    `DataProcessor  ${at(5)} stderr ALERT`,
    `Weather        ${at(2300)} stdout done`,
    "Weather        ── exited 1 after 2.3s ──",
    "DataProcessor  ── killed by SIGKILL after 95ms ──",
    "DataProcessor  ── started 12:00:05Z (pid 78) ──",
    "DataProcessor  ── stopped (SIGTERM) after 1ms ──",
    "Weather        ── timed out after 5.0s (killed) ──",
    "Weather        ── could not start: ENOENT: no such executable: 'x' ──",
  ]);
  // On a terminal: names in a colour of their own (the same in every frame), markers dim.
  const colored = renderLogs(data, { color: true }).split("\n");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the colours are ANSI escape sequences, which begin with ESC
  expect(colored[0]).toMatch(/^\u001b\[\d+mWeather {6}\u001b\[39m {2}\u001b\[2m── run 3 started/);
  expect(colored[1]?.slice(0, 8)).toBe(colored[0]?.slice(0, 8));
});
