// `stop AGENT`.

import type { StopData } from "../../protocol/commands.ts";

export function renderStop(data: StopData): string {
  return data.graceful_shutdown ? `✓ Agent '${data.agent}' stopped gracefully` : `✓ Agent '${data.agent}' stopped (killed with SIGKILL after stop_timeout)`;
}
