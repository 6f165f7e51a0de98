// `shutdown`: the reference's progress lines, one frame at a time.

import type { ShutdownFrame } from "../../protocol/commands.ts";

export type ShutdownInitiatedFrame = Extract<ShutdownFrame, { action: "shutdown_initiated" }>;

export function renderShutdownFrame(frame: ShutdownFrame): string[] {
  switch (frame.action) {
    case "shutdown_initiated": {
      const noun = frame.agents_to_stop === 1 ? "agent" : "agents";
      return ["Initiating graceful shutdown...", `Stopping ${frame.agents_to_stop} ${noun} in dependency order...`];
    }
    case "agent_stopped":
      return [frame.graceful_shutdown ? `✓ ${frame.agent} stopped` : `✓ ${frame.agent} stopped (killed with SIGKILL)`];
    case "shutdown_complete":
      return [
        frame.all_graceful ? "✓ All agents stopped successfully" : "✓ All agents stopped (some were killed with SIGKILL)",
        "✓ Orchestrator shutdown complete",
      ];
  }
}

/** The reference prints this last, after a blank line. */
export function renderShutdownEstimate(frame: ShutdownInitiatedFrame): string {
  return `Estimated time: ${frame.estimated_time}`;
}
