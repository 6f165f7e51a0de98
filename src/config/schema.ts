// The shape of the TOML file: known keys, defaults, checks for one value (the values a key
// allows are listed in values.ts), and reading one table with its key path.

import { hint } from "../common/did-you-mean.ts";
import { COMMAND_NAMES } from "../protocol/commands.ts";
import { STOP_SIGNALS, type StopSignal } from "./values.ts";

export const ORCHESTRATOR_KEYS = [
  "name",
  "enable_command_interface",
  "command_socket_path",
  "command_socket_permissions",
  "command_socket_group",
  "max_workers",
  "allowed_commands",
  "blocked_commands",
  "command_timeout",
  "shutdown_timeout",
  "state_dir",
  "history_capacity",
  "log_max_size",
  "log_keep",
] as const;

export const AGENT_KEYS = [
  "command",
  "kind",
  "execution_interval",
  "timeout",
  "limit",
  "delay_compensation",
  "depends_on",
  "restart",
  "max_restarts",
  "restart_window",
  "autostart",
  "cwd",
  "env",
  "stop_signal",
  "stop_timeout",
  "log_max_size",
  "log_keep",
  "schedule",
  "jitter",
  "overlap",
  "ready",
  "alive",
  "user",
  "group",
  "umask",
  "env_file",
  "max_memory",
  "groups",
  "instances",
] as const;

export const TOP_LEVEL_KEYS = ["orchestrator", "agents", "http"] as const;

/** Every runtime command an operator may allow or block: those served today and those planned. */
export const KNOWN_COMMANDS = [...COMMAND_NAMES] as const;

export { AGENT_NAME_PATTERN } from "../protocol/agents.ts";

/** sun_path is 108 bytes on Linux and 104 on macOS; 100 leaves room for both. */
export const MAX_SOCKET_PATH_BYTES = 100;

export const ORCHESTRATOR_DEFAULTS = {
  enable_command_interface: true,
  command_socket_path: "/tmp/pyorchestrate.sock",
  command_socket_permissions: 0o600,
  max_workers: 0,
  command_timeout: 30,
  shutdown_timeout: 60,
  state_dir: ".pyorchestrate",
  history_capacity: 1000,
  /** "10MB" */
  log_max_size: 10_000_000,
  log_keep: 5,
} as const;

export const AGENT_DEFAULTS = {
  limit: -1,
  delay_compensation: false,
  restart: "on-failure",
  max_restarts: 5,
  restart_window: 60,
  autostart: true,
  cwd: ".",
  stop_signal: "SIGTERM",
  stop_timeout: 10,
  jitter: 0,
  overlap: "skip",
} as const;

// ---- checks for one value: each returns the value or what was expected ----

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
export type Check<T> = (value: unknown) => Checked<T>;

export const good = <T>(value: T): Checked<T> => ({ ok: true, value });

/** "must be … (got …)": the expectation and what the file actually holds. */
export const bad = (expected: string, got: unknown): Checked<never> => ({
  ok: false,
  error: `${expected} (got ${describe(got)})`,
});

export function isTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short, typed rendering of a TOML value for error messages: -5, string "abc", table. */
export function describe(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof value === "number") return Number.isNaN(value) ? "nan" : String(value);
  if (typeof value === "boolean") return `boolean ${value}`;
  if (Array.isArray(value)) return value.length === 0 ? "empty array" : "array";
  if (isTable(value)) return "table";
  if (value === null || value === undefined) return "nothing";
  // Bun.TOML turns TOML dates and times into Temporal objects.
  return `datetime ${String(value)}`;
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
export function quote(values: readonly string[]): string {
  const quoted = values.map((v) => `"${v}"`);
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);

export const positiveNumber: Check<number> = (v) => (isFiniteNumber(v) && v > 0 ? good(v) : bad("must be a positive number", v));

export const positiveInteger: Check<number> = (v) => (isInteger(v) && v > 0 ? good(v) : bad("must be a positive integer", v));

export const nonNegativeNumber: Check<number> = (v) => (isFiniteNumber(v) && v >= 0 ? good(v) : bad("must be a number ≥ 0", v));

export const nonNegativeInteger: Check<number> = (v) => (isInteger(v) && v >= 0 ? good(v) : bad("must be an integer ≥ 0", v));

export const boolean: Check<boolean> = (v) => (typeof v === "boolean" ? good(v) : bad("must be true or false", v));

export const nonEmptyString: Check<string> = (v) => (typeof v === "string" && v.trim() !== "" ? good(v) : bad("must be a non-empty string", v));

export function oneOf<const T extends string>(allowed: readonly T[]): Check<T> {
  return (v) =>
    typeof v === "string" && (allowed as readonly string[]).includes(v)
      ? good(v as T)
      : bad(`must be ${allowed.length > 1 ? "one of " : ""}${quote(allowed)}`, v);
}

/** 0..0o777; the TOML literal 0o600 arrives as 384. */
export const fileMode: Check<number> = (v) => (isInteger(v) && v >= 0 && v <= 0o777 ? good(v) : bad("must be a file mode from 0o000 to 0o777, e.g. 0o600", v));

/** -1 (forever) or a count of runs. */
export const runLimit: Check<number> = (v) => (isInteger(v) && (v === -1 || v >= 1) ? good(v) : bad("must be -1 or an integer ≥ 1", v));

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Bytes: an integer, or a string with a unit — "512KB", "10MB", "1GB" (×1000), "64KiB", "1GiB" (×1024). */
export const byteSize: Check<number> = (v) => {
  if (isInteger(v) && v >= 0) return good(v);
  const match = typeof v === "string" ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v) : null;
  const unit = SIZE_UNITS[(match?.[2] || "b").toLowerCase()];
  const bytes = match && unit ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (Number.isSafeInteger(bytes)) return good(bytes);
  return bad('must be a size: bytes as an integer, or a string such as "512KB", "10MB", "1GB", "64KiB" or "1GiB"', v);
};

/** How many rotated log files to keep. */
export const logKeep: Check<number> = (v) => (isInteger(v) && v >= 1 && v <= 1000 ? good(v) : bad("must be an integer from 1 to 1000", v));

/** "TERM", "sigterm" or "SIGTERM" → "SIGTERM". */
export const stopSignal: Check<StopSignal> = (v) => {
  if (typeof v === "string") {
    const upper = v.trim().toUpperCase();
    const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
    if ((STOP_SIGNALS as readonly string[]).includes(name)) return good(name as StopSignal);
  }
  return bad(`must be a signal name such as ${quote(STOP_SIGNALS.slice(0, 4))}`, v);
};

/** A key path segment as written in TOML: bare when it can be, quoted otherwise. */
export function segment(key: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(key) ? key : JSON.stringify(key);
}

// ---- reading one table ----

/** One TOML table being read: where it is, what it holds, where its errors go. */
export interface Section {
  path: string;
  table: Record<string, unknown>;
  errors: string[];
}

export function fail(s: Section, key: string, message: string): void {
  s.errors.push(`${s.path}.${segment(key)}: ${message}`);
}

/** Opens a table (absent = empty) and reports its unknown keys, with a hint when one is near. */
export function open(raw: unknown, path: string, errors: string[], known: readonly string[]): Section {
  const s: Section = { path, table: {}, errors };
  if (raw === undefined) return s;
  if (!isTable(raw)) {
    errors.push(`${path}: must be a table (got ${describe(raw)})`);
    return s;
  }
  s.table = raw;
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) fail(s, key, `unknown key${hint(key, known)}`);
  }
  return s;
}

/** The key's checked value; the fallback when it is absent or wrong (the error is recorded). */
export function read<T, F>(s: Section, key: string, check: Check<T>, fallback: F): T | F {
  const value = s.table[key];
  if (value === undefined) return fallback;
  const checked = check(value);
  if (checked.ok) return checked.value;
  fail(s, key, checked.error);
  return fallback;
}
