// The [orchestrator] keys: none of them has a per-agent home in another engine, so each target
// reports them alike, in its own tool's words.

import { dirname, resolve } from "node:path";
import { ORCHESTRATOR_DEFAULTS as OD } from "../config/schema.ts";
import type { Config } from "../config/types.ts";
import { ORCHESTRATOR, type Report } from "./report.ts";

export interface EngineWords {
  /** How the operator drives the target: `systemctl`, `kubectl`, `nomad`. */
  cli: string;
  /** Where agents' output goes there. */
  logs: string;
  /** What became of `name`. */
  name: string;
}

export function reportOrchestrator(config: Config, report: Report, words: EngineWords): void {
  const o = config.orchestrator;
  report.ok(ORCHESTRATOR, "name", words.name);
  if (o.max_workers > 0) {
    report.none(ORCHESTRATOR, "max_workers", `no limit on agents running at once; all ${config.agents.length} may run together`);
  }
  const socketKeys = [
    o.command_socket_path !== OD.command_socket_path && "command_socket_path",
    o.command_socket_permissions !== OD.command_socket_permissions && "command_socket_permissions",
    o.command_socket_group !== null && "command_socket_group",
    o.allowed_commands !== "all" && "allowed_commands",
    o.blocked_commands.length > 0 && "blocked_commands",
    o.command_timeout !== OD.command_timeout && "command_timeout",
  ].filter((key): key is string => typeof key === "string");
  if (o.enable_command_interface && socketKeys.length > 0) {
    report.none(ORCHESTRATOR, socketKeys.join(", "), `no command socket: the runtime commands become ${words.cli}`);
  }
  if (o.shutdown_timeout !== OD.shutdown_timeout) {
    report.none(ORCHESTRATOR, "shutdown_timeout", "no budget for the whole shutdown: each agent has its own stop timeout");
  }
  if (o.state_dir !== resolve(dirname(config.path), OD.state_dir)) {
    report.none(ORCHESTRATOR, "state_dir", `no state folder: output goes to ${words.logs}; the event history has no equivalent`);
  }
  if (o.history_capacity !== OD.history_capacity) report.none(ORCHESTRATOR, "history_capacity", "no event history: nothing to size");
  if (o.log_max_size !== OD.log_max_size || o.log_keep !== OD.log_keep) {
    report.none(ORCHESTRATOR, "log_max_size, log_keep", `output goes to ${words.logs}, sized and rotated there`);
  }
}
