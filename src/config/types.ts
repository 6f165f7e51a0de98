// The resolved configuration: every default applied, every path absolute.

import type { CronSchedule } from "../common/cron.ts";
import type { CommandPreset } from "../protocol/command-table.ts";
import type { AgentKind, DependencyCondition } from "../protocol/agents.ts";
import type { CheckForm, OverlapPolicy, RestartPolicy, StopSignal } from "./values.ts";
import type { HttpConfig } from "./http.ts";

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
  stop_signal: StopSignal;
  stop_timeout: number;
  /** Bytes after which <state_dir>/logs/<name>.log is rotated; 0 = never. */
  log_max_size: number;
  /** Rotated log files kept (<name>.log.1 … .<log_keep>). */
  log_keep: number;
  /** periodic: a 5-field cron expression (local time), instead of execution_interval. */
  schedule: string | null;
  /** `schedule` as validation parsed it: the schedule runs on this, never parsing the text again. */
  cron: CronSchedule | null;
  /** periodic: each run starts up to this many seconds late, at random. */
  jitter: number;
  /** periodic: what a run that falls due while the previous one is still going does. */
  overlap: OverlapPolicy;
  /** looping: the agent is "starting" until this check passes; `ready` dependents wait for it. */
  ready: HealthCheckConfig | null;
  /** looping: failure_threshold failures in a row restart the agent. */
  alive: HealthCheckConfig | null;
  /** Run as this account (serve must be root); resolved from /etc/passwd. */
  user: AgentAccount | null;
  /** Octal umask for the agent's processes; null = serve's own. */
  umask: number | null;
  /** Absolute path of the env_file whose variables are merged into `env` (env wins). */
  env_file: string | null;
  /** Bytes of RSS (the agent's whole process group) that, exceeded in two samples in a row, restart it. */
  max_memory: number | null;
  /** Groups that `@name` selects in commands. */
  groups: string[];
  /** Copies that run, NAME#1 … NAME#N (each with PYORCHESTRATE_INSTANCE=i); null = one, named NAME. `scale` changes N at run time. */
  instances: number | null;
}

/** What each check form holds once validated. */
interface CheckTargets {
  command: { command: string[] };
  tcp: { host: string; port: number };
  http: { url: string };
  /** `regex`: the pattern as validation compiled it (status shows `pattern`). */
  log: { pattern: string; regex: RegExp };
  /** The agent says READY=1 (sd_notify) on the NOTIFY_SOCKET serve gives it. */
  notify: Record<never, never>;
}

/** One per form of CHECK_FORMS (a form without its entry in CheckTargets does not compile). */
export type CheckTarget = { [K in CheckForm]: { kind: K } & CheckTargets[K] }[CheckForm];

export interface HealthCheckConfig {
  target: CheckTarget;
  /** notify checks: seconds without WATCHDOG=1 after which the agent is restarted; null = no watchdog. */
  watchdog: number | null;
  /** Seconds between checks, from the end of one to the start of the next. */
  interval: number;
  /** Seconds one check may take before it counts as failed. */
  timeout: number;
  /** Seconds after the agent starts before the first check. */
  initial_delay: number;
  success_threshold: number;
  failure_threshold: number;
}

export interface AgentAccount {
  /** As written in the config (a name or a number). */
  user: string;
  uid: number;
  gid: number;
  /** As written, when `group` was given; otherwise the user's primary group. */
  group: string | null;
  /** The account's name, for supplementary groups and USER/LOGNAME; null for a bare uid. */
  name: string | null;
  home: string | null;
}

export type AllowedCommands = CommandPreset | string[];

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
  /** The [http] table; absent or null = no HTTP listener. */
  http?: HttpConfig | null;
}
