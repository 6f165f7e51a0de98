// Which commands this orchestrator answers: allowed_commands (preset or list) minus blocked_commands.

import type { AllowedCommands } from "../config/types.ts";
import { presetCommands } from "../protocol/command-table.ts";

export function permittedCommands(allowed: AllowedCommands, blocked: readonly string[]): (command: string) => boolean {
  if (allowed === "all") {
    const deny = new Set(blocked);
    return (command) => !deny.has(command);
  }
  const allow = new Set<string>(typeof allowed === "string" ? presetCommands(allowed) : allowed);
  for (const command of blocked) allow.delete(command);
  return (command) => allow.has(command);
}
