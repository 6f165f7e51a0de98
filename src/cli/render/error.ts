// An error answer as the table mode prints it on stderr.

import type { WireError } from "../../protocol/errors.ts";

export function renderError(error: WireError): string {
  const lines = [`✗ ${error.message}`];
  const details = error.details ?? {};
  if (error.code === "AGENT_NOT_FOUND" && Array.isArray(details.available_agents)) {
    const names = details.available_agents.map(String);
    lines.push(`  Available agents: ${names.length > 0 ? names.join(", ") : "(none)"}`);
  }
  if (error.code === "SOCKET_CONNECTION_ERROR" && typeof details.hint === "string") {
    lines.push(`  ${details.hint}`);
  }
  return lines.join("\n");
}
