// Run markers from the event history (src/server/log-markers.ts): which events mark a start or an
// end, one end per start, and the start of the run that was going when the window opens.

import { expect, test } from "bun:test";
import type { EventType, HistoryEvent } from "../../src/protocol/events.ts";
import { markerOf, markersOf } from "../../src/server/log-markers.ts";

let seq = 0;
const event = (second: number, type: EventType, details: Record<string, unknown>, agent = "A"): HistoryEvent => ({
  seq: ++seq,
  timestamp: new Date(Date.UTC(2026, 10, 24, 12, 0, second)).toISOString(),
  category: type.startsWith("EXECUTION") ? "EXECUTION" : "AGENT",
  type,
  agent,
  severity: "INFO",
  details,
});
const at = (second: number) => new Date(Date.UTC(2026, 10, 24, 12, 0, second)).toISOString();

test("starts and ends; other events, and a periodic agent's summary of its runs, mark nothing", () => {
  expect(markerOf(event(1, "EXECUTION_STARTED", { pid: 5, run: 3 }))).toMatchObject({ kind: "started", pid: 5, run: 3 });
  expect(markerOf(event(2, "EXECUTION_TIMEOUT", { pid: 5, signal: "SIGTERM", ran_ms: 5000, run: 3 }))).toMatchObject({ kind: "ended", signal: "SIGTERM" });
  expect(markerOf(event(3, "AGENT_READY", { pid: 5 }))).toBeNull();
  expect(markerOf(event(4, "AGENT_COMPLETED", { runs: 10, last_exit_code: 0 }))).toBeNull();
  expect(markerOf(event(5, "AGENT_FAILED", { pid: null, error: "ENOENT" }))).toMatchObject({ kind: "ended", error: "ENOENT", pid: null });
  expect(markerOf({ ...event(6, "AGENT_STARTED", { pid: 9 }), agent: null })).toBeNull();
});

test("one end per start: a crash loop's AGENT_FAILED after the AGENT_EXITED it follows is left out", () => {
  const events = [
    event(1, "AGENT_STARTED", { pid: 1 }),
    event(2, "AGENT_EXITED", { pid: 1, exit_code: 1, ran_ms: 1000 }),
    event(3, "AGENT_FAILED", { pid: 1, exit_code: 1, reason: "crash loop" }),
    event(4, "AGENT_STARTED", { pid: 2 }),
    event(5, "AGENT_STOPPED", { pid: 2, signal: "SIGTERM" }),
  ];
  expect(markersOf(events, at(0)).map((marker) => [marker.event, marker.pid])).toEqual([
    ["AGENT_STARTED", 1],
    ["AGENT_EXITED", 1],
    ["AGENT_STARTED", 2],
    ["AGENT_STOPPED", 2],
  ]);
});

test("the window's first lines belong to the run going at its start: that run's start is kept, an ended one's is not", () => {
  const events = [
    event(1, "AGENT_STARTED", { pid: 1 }),
    event(2, "AGENT_EXITED", { pid: 1, exit_code: 0 }),
    event(3, "AGENT_STARTED", { pid: 2 }),
    event(9, "AGENT_EXITED", { pid: 2, exit_code: 0 }),
  ];
  expect(markersOf(events, at(5)).map((marker) => [marker.event, marker.pid])).toEqual([
    ["AGENT_STARTED", 2],
    ["AGENT_EXITED", 2],
  ]);
  // At second 2 the first run has not ended yet.
  expect(markersOf(events, at(2)).map((marker) => [marker.event, marker.pid])).toEqual([
    ["AGENT_STARTED", 1],
    ["AGENT_EXITED", 1],
    ["AGENT_STARTED", 2],
    ["AGENT_EXITED", 2],
  ]);
  expect(markersOf(events, at(10))).toEqual([]);
});
