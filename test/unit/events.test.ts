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
