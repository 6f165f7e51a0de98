// Which statuses `status AGENT --wait` accepts as up, keeps waiting on, or gives up at once.

import { expect, test } from "bun:test";
import { agentReadiness } from "../../src/cli/status-wait.ts";

test.each([
  ["running", "looping", null, "up"],
  ["completed", "oneshot", null, "up"],
  ["waiting", "periodic", "next_run", "up"],
  ["waiting", "looping", "dependencies", "pending"],
  ["waiting", "periodic", "queued", "pending"],
  ["starting", "looping", null, "pending"],
  ["backoff", "looping", null, "pending"],
  ["stopping", "looping", null, "down"],
  ["stopped", "looping", null, "down"],
  ["failed", "oneshot", null, "down"],
] as const)("%s (%s, waiting for %p) is %s", (status, kind, waitingReason, expected) => {
  expect(agentReadiness({ status, kind, waiting_reason: waitingReason })).toBe(expected);
});
