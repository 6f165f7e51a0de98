// [agents.X.ready] and [agents.X.alive]: one check form (command, tcp, http or log) and its
// timing, each key checked with its path.

import { compileLogPattern, parseHttpTarget, parseTcpTarget } from "../common/health-targets.ts";
import { describe, fail, isTable, nonEmptyString, nonNegativeNumber, open, positiveInteger, positiveNumber, quote, read, type Section } from "./schema.ts";
import type { CheckTarget, HealthCheckConfig } from "./types.ts";
import { CHECK_FORMS } from "./values.ts";

const PROBE_KEYS = ["interval", "timeout", "initial_delay", "success_threshold", "failure_threshold"] as const;
export const CHECK_KEYS = [...CHECK_FORMS, ...PROBE_KEYS, "watchdog"] as const;

/** Readiness is checked often (dependents wait on it); liveness less so. */
export const CHECK_DEFAULTS = {
  ready: { interval: 1, timeout: 1, initial_delay: 0, success_threshold: 1, failure_threshold: 3 },
  alive: { interval: 5, timeout: 2, initial_delay: 0, success_threshold: 1, failure_threshold: 3 },
} as const;

export function readHealthCheck(agent: Section, key: "ready" | "alive"): HealthCheckConfig | null {
  const raw = agent.table[key];
  if (raw === undefined) return null;
  if (!isTable(raw)) {
    fail(agent, key, `must be a table with one of ${quote(CHECK_FORMS)} (got ${describe(raw)})`);
    return null;
  }
  const s = open(raw, `${agent.path}.${key}`, agent.errors, CHECK_KEYS);
  const target = readTarget(s);
  if (target?.kind === "notify") return readNotifyCheck(s, key);
  if (s.table.watchdog !== undefined)
    fail(s, "watchdog", "applies only to a notify check (notify = true): serve cannot tell a probe's agent is alive by its silence");
  const D = CHECK_DEFAULTS[key];
  const check: HealthCheckConfig = {
    target: target ?? { kind: "command", command: [] },
    watchdog: null,
    interval: read(s, "interval", positiveNumber, D.interval),
    timeout: read(s, "timeout", positiveNumber, D.timeout),
    initial_delay: read(s, "initial_delay", nonNegativeNumber, D.initial_delay),
    success_threshold: read(s, "success_threshold", positiveInteger, D.success_threshold),
    failure_threshold: read(s, "failure_threshold", positiveInteger, D.failure_threshold),
  };
  return target ? check : null;
}

/** notify = true: the agent itself says READY=1, and WATCHDOG=1 every so often when `watchdog` is set. */
function readNotifyCheck(s: Section, key: "ready" | "alive"): HealthCheckConfig | null {
  if (key === "alive") {
    fail(s, "notify", "only a ready check can be a notify check; for liveness, set watchdog = N in [ready] with notify = true");
    return null;
  }
  for (const probeKey of PROBE_KEYS) {
    if (s.table[probeKey] !== undefined) fail(s, probeKey, "does not apply to notify = true (the agent says when it is ready)");
  }
  const D = CHECK_DEFAULTS.ready;
  return { target: { kind: "notify" }, watchdog: read(s, "watchdog", positiveNumber, null), ...D };
}

function readTarget(s: Section): CheckTarget | null {
  const given = CHECK_FORMS.filter((form) => s.table[form] !== undefined);
  if (given.length !== 1) {
    const what = given.length === 0 ? "none is set" : `${quote(given)} are all set`;
    s.errors.push(`${s.path}: needs exactly one of ${quote(CHECK_FORMS)} (${what})`);
    return null;
  }
  const form = given[0];
  const value = s.table[form as string];
  switch (form) {
    case "command": {
      if (typeof value === "string" && value.trim() !== "") return { kind: "command", command: ["/bin/sh", "-c", value] };
      if (Array.isArray(value) && value.length > 0 && value.every((item) => nonEmptyString(item).ok)) {
        return { kind: "command", command: value as string[] };
      }
      fail(s, "command", `must be an array of strings such as ["pg_isready"], or a string run by /bin/sh -c (got ${describe(value)})`);
      return null;
    }
    case "tcp": {
      const parsed = typeof value === "string" ? parseTcpTarget(value) : null;
      if (parsed?.ok) return { kind: "tcp", host: parsed.host, port: parsed.port };
      fail(s, "tcp", parsed ? parsed.error : `must be "host:port", e.g. "127.0.0.1:5432" (got ${describe(value)})`);
      return null;
    }
    case "http": {
      const parsed = typeof value === "string" ? parseHttpTarget(value) : null;
      if (parsed?.ok) return { kind: "http", url: parsed.url };
      fail(s, "http", parsed ? parsed.error : `must be an http:// or https:// URL (got ${describe(value)})`);
      return null;
    }
    case "notify":
      if (value === true) return { kind: "notify" };
      fail(s, "notify", `must be true (the agent sends READY=1 to $NOTIFY_SOCKET), or left out (got ${describe(value)})`);
      return null;
    default: {
      const compiled = typeof value === "string" ? compileLogPattern(value) : null;
      if (compiled?.ok) return { kind: "log", pattern: value as string, regex: compiled.regex };
      fail(s, "log", compiled ? compiled.error : `must be a regular expression (got ${describe(value)})`);
      return null;
    }
  }
}
