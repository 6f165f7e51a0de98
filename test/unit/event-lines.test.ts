// serve's log line for an event: durations read as a person would say them.

import { expect, test } from "bun:test";
import type { OrchestratorEvent } from "../../src/orchestrator/events.ts";
import { logEvent } from "../../src/server/event-lines.ts";
import type { Logger } from "../../src/server/logger.ts";

function lineFor(type: OrchestratorEvent["type"], details: Record<string, unknown>): string {
  const lines: string[] = [];
  const capture = (message: string) => void lines.push(message);
  const log: Logger = { info: capture, warn: capture, error: capture, success: capture };
  logEvent(log, { seq: 1, timestamp: "2026-11-24T00:00:00Z", category: "EXECUTION", type, agent: "Tick", severity: "INFO", details });
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

test.each([
  [4, "4ms"],
  [0.4, "0ms"],
  [999, "999ms"],
  [999.6, "1.0s"],
  [1_234, "1.2s"],
  [61_000, "61.0s"],
])("a run of %p ms reads 'completed in %s'", (ranMs, said) => {
  expect(lineFor("EXECUTION_COMPLETED", { run: 3, pid: 42, exit_code: 0, ran_ms: ranMs })).toBe(`Tick run 3 (pid 42) completed in ${said}`);
});

test("a duration that is missing reads '?'", () => {
  expect(lineFor("EXECUTION_COMPLETED", { run: 3, pid: 42, exit_code: 0 })).toBe("Tick run 3 (pid 42) completed in ?");
});
