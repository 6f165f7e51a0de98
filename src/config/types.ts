// The resolved configuration: every default applied, every path absolute.

import type { AgentKind, DependencyCondition } from "../protocol/commands.ts";

export type RestartPolicy = "always" | "on-failure" | "never";

export interface AgentConfig {
  name: string;
  /** argv; a TOML string becomes ["/bin/sh", "-c", string]. */
  command: string[];
  kind: AgentKind;
  /** periodic: seconds between runs. */
  execution_interval: number | null;
  /** oneshot/periodic: seconds one run may take before it is killed; null = no limit. */
  timeout: number | null;
  /** periodic: number of runs in all; -1 = forever. */
  limit: number;
  /** periodic: true = fixed rate (interval from run start), false = fixed delay (from run end). */
  delay_compensation: boolean;
  /** provider name → condition, in declaration order. */
  depends_on: Record<string, DependencyCondition>;
  restart: RestartPolicy;
  max_restarts: number;
  restart_window: number;
  autostart: boolean;
  /** Absolute. */
  cwd: string;
  env: Record<string, string>;
  stop_signal: string;
  stop_timeout: number;
  /** Bytes after which <state_dir>/logs/<name>.log is rotated; 0 = never. */
  log_max_size: number;
  /** Rotated log files kept (<name>.log.1 … .<log_keep>). */
  log_keep: number;
}

export type AllowedCommands = "basic" | "monitoring" | "all" | string[];

export interface OrchestratorConfig {
  name: string;
  enable_command_interface: boolean;
  /** Absolute. */
  command_socket_path: string;
  command_socket_permissions: number;
  command_socket_group: string | null;
  max_workers: number;
  allowed_commands: AllowedCommands;
  blocked_commands: string[];
  command_timeout: number;
  shutdown_timeout: number;
  /** Absolute. */
  state_dir: string;
  history_capacity: number;
  /** Default of every agent's log_max_size, in bytes. */
  log_max_size: number;
  /** Default of every agent's log_keep. */
  log_keep: number;
}

export interface Config {
  /** Absolute path of the file this was read from. */
  path: string;
  orchestrator: OrchestratorConfig;
  /** In declaration order. */
  agents: AgentConfig[];
}
