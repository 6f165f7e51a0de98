// A resolved AgentConfig for unit tests: a looping agent with every default as the spec states
// them (written out here, not read from the code under test), and the given overrides.

import { type CronSchedule, parseCron } from "../../src/common/cron.ts";
import type { AgentConfig, HealthCheckConfig } from "../../src/config/types.ts";

export function agentConfig(overrides: Partial<AgentConfig> & { name: string }): AgentConfig {
  return {
    command: ["run"],
    kind: "looping",
    execution_interval: null,
    timeout: null,
    limit: -1,
    delay_compensation: false,
    depends_on: {},
    restart: "on-failure",
    max_restarts: 5,
    restart_window: 60,
    autostart: true,
    cwd: "/srv",
    env: {},
    stop_signal: "SIGTERM",
    stop_timeout: 10,
    log_max_size: 10_000_000,
    log_keep: 5,
    schedule: null,
    cron: null,
    jitter: 0,
    overlap: "skip",
    ready: null,
    alive: null,
    user: null,
    umask: null,
    env_file: null,
    max_memory: null,
    groups: [],
    instances: null,
    ...overrides,
  };
}

/** A cron expression parsed as validation parses it (AgentConfig carries both forms). */
export function cronOf(expression: string): CronSchedule {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

/** A ready check that passes once `pattern` appears in the agent's output, with the defaults. */
export const readyOnLine = (pattern: string): HealthCheckConfig => ({
  target: { kind: "log", pattern, regex: new RegExp(pattern) },
  watchdog: null,
  interval: 1,
  timeout: 1,
  initial_delay: 0,
  success_threshold: 1,
  failure_threshold: 3,
});
