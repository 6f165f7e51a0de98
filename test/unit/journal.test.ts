// The event journal on a temp dir: trimming, seq across reopen, unusable files, bursts.

import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { EventLog, MEMORY_WINDOW, type NewEvent } from "../../src/orchestrator/events.ts";
import { waitFor } from "../helpers/wait.ts";

const dirs: string[] = [];
const logs: EventLog[] = [];
afterEach(() => {
  for (const log of logs.splice(0)) log.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync("/tmp/pyo-journal-");
  dirs.push(dir);
  return join(dir, "events.db");
}

/** An EventLog on `path`; problems it reports are collected. */
function open(path: string, capacity: number): { log: EventLog; problems: string[]; attached: boolean } {
  const log = new EventLog(capacity);
  logs.push(log);
  const problems: string[] = [];
  const attached = log.attachJournal(path, (problem) => problems.push(problem));
  return { log, problems, attached };
}

const started = (agent: string, n = 0): NewEvent => ({ type: "AGENT_STARTED", agent, severity: "INFO", details: { pid: 1000 + n } });

/** What is on disk, read through a connection of its own. */
function onDisk(path: string): { seqs: number[]; count: number } {
  const db = new Database(path, { readonly: true });
  try {
    const seqs = (db.query("SELECT seq FROM events ORDER BY seq").all() as { seq: number }[]).map((row) => row.seq);
    return { seqs, count: seqs.length };
  } finally {
    db.close();
  }
}

test("the journal keeps the newest `capacity` events on disk and in answers", () => {
  const path = tempPath();
  const { log, attached, problems } = open(path, 5);
  expect({ attached, problems }).toEqual({ attached: true, problems: [] });
  for (let i = 0; i < 12; i++) log.record(started(`a${i}`));
  log.flush();
  expect(onDisk(path).seqs).toEqual([8, 9, 10, 11, 12]);
  expect(log.query({}, 100).map((event) => event.seq)).toEqual([8, 9, 10, 11, 12]);
  expect(log.capacityInfo()).toEqual({ current_size: 5, capacity: 5, storage: "journal" });
  expect(log.totalRecorded).toBe(12);
  // The audit trail is owner-only, and so are SQLite's files beside it.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
});

test("seq goes on from the journal's last after a reopen; close flushes what was pending", () => {
  const path = tempPath();
  const first = open(path, 100);
  for (let i = 0; i < 3; i++) first.log.record(started("A", i));
  // No wait for the batch timer: close() must write the pending events.
  first.log.close();
  expect(onDisk(path).seqs).toEqual([1, 2, 3]);

  const second = open(path, 100);
  expect(second.log.query({}, 10).map((event) => [event.seq, event.agent, event.details])).toEqual([
    [1, "A", { pid: 1000 }],
    [2, "A", { pid: 1001 }],
    [3, "A", { pid: 1002 }],
  ]);
  expect(second.log.record(started("B")).seq).toBe(4);
  expect(second.log.totalRecorded).toBe(4);
});

test("a capacity lowered since the last serve trims the journal at open", () => {
  const path = tempPath();
  const first = open(path, 100);
  for (let i = 0; i < 10; i++) first.log.record(started("A", i));
  first.log.close();
  const second = open(path, 3);
  expect(second.log.capacityInfo()).toEqual({ current_size: 3, capacity: 3, storage: "journal" });
  expect(onDisk(path).seqs).toEqual([8, 9, 10]);
  expect(second.log.record(started("A")).seq).toBe(11);
});

test.each([
  ["not a database", (path: string) => writeFileSync(path, "this is not sqlite\n".repeat(500)), /file is not a database/],
  ["a directory", (path: string) => mkdirSync(path), /unable to open database file/],
  [
    "written by a newer format",
    (path: string) => {
      const db = new Database(path);
      db.run("PRAGMA user_version = 99");
      db.close();
    },
    /written by a newer pyorchestrate \(format 99/,
  ],
])("%s: one problem naming the file and why, then memory only", (_name, prepare, reason) => {
  const path = tempPath();
  prepare(path);
  const { log, attached, problems } = open(path, 10);
  expect(attached).toBe(false);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toStartWith(`event journal ${path}: `);
  expect(problems[0]).toMatch(reason);
  expect(problems[0]).toEndWith("events are kept in memory only");
  for (let i = 0; i < 15; i++) log.record(started("A", i));
  expect(log.capacityInfo()).toEqual({ current_size: 10, capacity: 10, storage: "memory" });
  expect(log.query({}, 3).map((event) => event.seq)).toEqual([13, 14, 15]);
});

test("a journal damaged inside is found at open and left as it was", () => {
  const path = tempPath();
  const first = open(path, 10_000);
  for (let i = 0; i < 3_000; i++) first.log.record({ ...started(`agent${i % 7}`, i), details: { text: "x".repeat(200) } });
  first.log.close();
  // Overwrite pages in the middle of the file (not the header): the b-tree no longer holds together.
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.alloc(4096 * 20, 0xa5), 0, 4096 * 20, 4096 * 4);
  closeSync(fd);
  const size = Bun.file(path).size;

  const { attached, problems } = open(path, 10_000);
  expect(attached).toBe(false);
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^event journal .*events\.db: .*(corrupt|malformed)/);
  expect(Bun.file(path).size).toBe(size);
});

test("a burst of 10,000 events is recorded at once and written in slices that keep the event loop free", async () => {
  const path = tempPath();
  const { log } = open(path, 20_000);
  const began = performance.now();
  for (let i = 0; i < 10_000; i++) log.record({ ...started(`agent${i % 10}`, i), details: { pid: i, run: i % 7, note: "burst" } });
  const recordMs = performance.now() - began;
  // record() never waits for the disk: nothing is written yet.
  expect(onDisk(path).count).toBe(0);

  // While the batches are written, a 2 ms timer must keep firing on time, and see the rows arrive in steps.
  let worstLag = 0;
  const seen = new Set<number>();
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worstLag = Math.max(worstLag, now - last - 2);
    last = now;
    seen.add(onDisk(path).count);
  }, 2);
  try {
    await waitFor(() => seen.has(10_000), "all 10,000 events on disk", 10_000, 5);
  } finally {
    clearInterval(probe);
  }
  expect(recordMs).toBeLessThan(500);
  expect([...seen].filter((count) => count > 0 && count < 10_000).length).toBeGreaterThan(0);
  expect(worstLag).toBeLessThan(50);
  expect(log.counts().byType).toEqual({ AGENT_STARTED: 10_000 });
});

test("beyond the memory window, answers come from disk, with events not yet written merged in", () => {
  const path = tempPath();
  const total = MEMORY_WINDOW + 2_000;
  const { log } = open(path, total + 1_000);
  for (let i = 0; i < total; i++) log.record(i % 2 === 0 ? started("Even", i) : { type: "AGENT_EXITED", agent: "Odd", severity: "WARNING", details: { i } });
  // Some still pending when the query comes: it must see them.
  log.record({ type: "AGENT_FAILED", agent: "Even", severity: "ERROR", details: {} });

  const even = log.query({ agent: "Even" }, 100_000);
  expect(even).toHaveLength(total / 2 + 1);
  expect(even[0]?.seq).toBe(1);
  expect(even.at(-1)?.type).toBe("AGENT_FAILED");
  expect(log.query({ type: "AGENT_EXITED", afterSeq: total - 4 }, 10).map((event) => event.seq)).toEqual([total - 2, total]);
  expect(log.query({ severity: "ERROR" }, 5).map((event) => event.seq)).toEqual([total + 1]);
  expect(log.counts("Odd")).toEqual({
    byType: { AGENT_EXITED: total / 2 },
    bySeverity: { WARNING: total / 2 },
    byCategory: { AGENT: total / 2 },
    total: total / 2,
  });
  expect(log.counts().total).toBe(total + 1);
});

test("a write that fails for good: one problem, then memory only with nothing recorded lost", () => {
  const path = tempPath();
  const { log, problems } = open(path, 10);
  for (let i = 0; i < 4; i++) log.record(started("A", i));
  log.flush();
  // Another process wrecks the file under serve's feet.
  const other = new Database(path);
  other.run("DROP TABLE events");
  other.close();
  for (let i = 0; i < 12; i++) log.record(started("B", i));
  log.flush();
  log.record(started("C"));
  log.flush();
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(new RegExp(`^event journal ${path}: write failed \\(.*no such table: events.*\\); events are kept in memory only from now on$`));
  expect(log.capacityInfo()).toEqual({ current_size: 10, capacity: 10, storage: "memory" });
  expect(log.query({}, 100).map((event) => event.seq)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
});
