// An error answer as the table mode prints it: one `✗` line on stderr (and, for a rejected reload, one per error in the file).

import type { WireError } from "../../protocol/errors.ts";

export function renderError(error: WireError): string {
  const details = error.details ?? {};
  if (error.code === "AGENT_NOT_FOUND" && Array.isArray(details.available_agents)) {
    const names = details.available_agents.map(String);
    return `✗ ${error.message} (available agents: ${names.length > 0 ? names.join(", ") : "none"})`;
  }
  // A rejected reload: every error of the file, each with its key path, under the summary.
  if (error.code === "CONFIG_ERROR" && Array.isArray(details.errors)) {
    return [`✗ ${error.message}`, ...details.errors.map((line) => `  ✗ ${String(line)}`)].join("\n");
  }
  // The client's own hint says what is wrong with the socket and what to do, path included.
  if (error.code === "SOCKET_CONNECTION_ERROR" && typeof details.hint === "string") return `✗ ${details.hint}`;
  return `✗ ${error.message}`;
}
