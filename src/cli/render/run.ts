// `run AGENT [--wait]`: the run started (or queued), then how it ended.

import type { RunFrame } from "../../protocol/commands.ts";
import { formatDuration } from "../../protocol/format.ts";
import { waitingReasonText } from "./status-label.ts";

export function renderRunFrame(frame: RunFrame): string {
  if (frame.action === "run_started") {
    if (frame.pid !== null) return `✓ Agent '${frame.agent}' run started (PID: ${frame.pid})`;
    const place = frame.queue_position === null ? "" : ` #${frame.queue_position}`;
    const why = frame.waiting_reason === null ? "" : ` (waiting: ${waitingReasonText(frame.waiting_reason)}${place})`;
    return `✓ Agent '${frame.agent}' run queued${why}`;
  }
  const took = frame.duration_ms === null ? "" : ` after ${formatDuration(frame.duration_ms)}`;
  const how = frame.signal !== null ? `signal ${frame.signal}` : frame.exit_code === null ? "no exit code" : `exit ${frame.exit_code}`;
  switch (frame.outcome) {
    case "completed":
      return `✓ Run of '${frame.agent}' completed${took} (${how})`;
    case "timeout":
      return `✗ Run of '${frame.agent}' timed out${took} and was killed (${how})`;
    case "stopped":
      return `✗ Run of '${frame.agent}' was stopped${took}`;
    default:
      return `✗ Run of '${frame.agent}' failed${took} (${how})`;
  }
}
