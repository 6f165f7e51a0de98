import { expect, test } from "bun:test";
import { EventLog } from "../../src/orchestrator/events.ts";

const event = (agent: string) => ({ type: "AGENT_STARTED" as const, agent, severity: "INFO" as const, details: {} });

test("the ring keeps the newest events in order, with increasing seq, and counts what it dropped", () => {
  const log = new EventLog(3);
  for (const name of ["a", "b", "c", "d", "e"]) log.record(event(name));
  expect(log.all().map((e) => [e.seq, e.agent])).toEqual([
    [3, "c"],
    [4, "d"],
    [5, "e"],
  ]);
  expect(log.size).toBe(3);
  expect(log.totalRecorded).toBe(5);
});

test("category follows the type; subscribers hear each event once until they leave", () => {
  const log = new EventLog(10);
  const heard: string[] = [];
  const leave = log.subscribe((e) => heard.push(`${e.category}:${e.type}`));
  log.record({ type: "EXECUTION_SKIPPED", agent: "x", severity: "WARNING", details: {} });
  log.record({ type: "SHUTDOWN_INITIATED", agent: null, severity: "INFO", details: {} });
  leave();
  log.record(event("y"));
  expect(heard).toEqual(["EXECUTION:EXECUTION_SKIPPED", "ORCHESTRATOR:SHUTDOWN_INITIATED"]);
});

test("queries filter by agent, type, category, severity and seq, and keep the newest `limit`, oldest first", () => {
  const log = new EventLog(100);
  log.record(event("a")); // 1
  log.record({ type: "EXECUTION_FAILED", agent: "b", severity: "WARNING", details: {} }); // 2
  log.record({ type: "AGENT_FAILED", agent: "a", severity: "ERROR", details: {} }); // 3
  log.record({ type: "COMMAND_EXECUTED", agent: null, severity: "INFO", details: { command: "ps" } }); // 4
  log.record(event("b")); // 5
  const seqs = (filter: Parameters<EventLog["query"]>[0], limit = 100) => log.query(filter, limit).map((e) => e.seq);
  expect(seqs({})).toEqual([1, 2, 3, 4, 5]);
  expect(seqs({}, 2)).toEqual([4, 5]);
  expect(seqs({ agent: "a" })).toEqual([1, 3]);
  expect(seqs({ type: "AGENT_STARTED" })).toEqual([1, 5]);
  expect(seqs({ category: "EXECUTION" })).toEqual([2]);
  expect(seqs({ severity: "ERROR" })).toEqual([3]);
  expect(seqs({ afterSeq: 3 })).toEqual([4, 5]);
  expect(seqs({ afterSeq: 1, agent: "b", type: "AGENT_STARTED" })).toEqual([5]);
  expect(seqs({ agent: "nobody" })).toEqual([]);
});

test("counts by type, severity and category, optionally of one agent; memory only without a journal", () => {
  const log = new EventLog(3);
  log.record(event("a"));
  log.record(event("a"));
  log.record({ type: "AGENT_FAILED", agent: "a", severity: "ERROR", details: {} });
  log.record({ type: "COMMAND_EXECUTED", agent: null, severity: "INFO", details: {} });
  // Capacity 3: the first event is gone from the counts.
  expect(log.counts()).toEqual({
    byType: { AGENT_STARTED: 1, AGENT_FAILED: 1, COMMAND_EXECUTED: 1 },
    bySeverity: { INFO: 2, ERROR: 1 },
    byCategory: { AGENT: 2, COMMAND: 1 },
    total: 3,
  });
  expect(log.counts("a").total).toBe(2);
  expect(log.capacityInfo()).toEqual({ current_size: 3, capacity: 3, storage: "memory" });
});
