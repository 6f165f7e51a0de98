// Raw TOML data → a resolved Config, or every error found, each naming its key path.

import { basename, dirname, resolve } from "node:path";
import { COMMAND_PRESETS } from "../protocol/command-table.ts";
import { AGENT_KINDS, type AgentKind, DEPENDENCY_CONDITIONS, type DependencyCondition } from "../protocol/agents.ts";
import { parseCron } from "../common/cron.ts";
import { findCycles } from "./dependency-graph.ts";
import { ALL_AGENTS, readGroups, readInstances } from "./groups.ts";
import { readHealthCheck } from "./health-checks.ts";
import { readHttp } from "./http.ts";
import { readAccount, readEnvFile, readMaxMemory, readUmask } from "./identity.ts";
import { hint } from "../common/did-you-mean.ts";
import {
  AGENT_DEFAULTS,
  AGENT_KEYS,
  AGENT_NAME_PATTERN,
  KNOWN_COMMANDS,
  MAX_SOCKET_PATH_BYTES,
  ORCHESTRATOR_DEFAULTS as OD,
  ORCHESTRATOR_KEYS,
  TOP_LEVEL_KEYS,
  boolean,
  byteSize,
  describe,
  fail,
  fileMode,
  isTable,
  logKeep,
  nonEmptyString,
  nonNegativeInteger,
  nonNegativeNumber,
  oneOf,
  open,
  positiveInteger,
  positiveNumber,
  quote,
  read,
  runLimit,
  segment,
  stopSignal,
  type Section,
} from "./schema.ts";
import type { AgentConfig, AllowedCommands, Config, OrchestratorConfig } from "./types.ts";
import { OVERLAP_POLICIES, RESTART_POLICIES } from "./values.ts";
import { configWarnings } from "./warnings.ts";

/** `warnings`: valid settings that work against each other (warnings.ts); they do not make the file invalid. */
export type LoadResult = { ok: true; config: Config; warnings: string[] } | { ok: false; errors: string[] };

export function validateConfig(raw: unknown, path: string): LoadResult {
  const file = resolve(path);
  const dir = dirname(file);
  if (!isTable(raw)) return { ok: false, errors: [`${file}: must be a TOML table (got ${describe(raw)})`] };
  const errors: string[] = [];
  for (const key of Object.keys(raw)) {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    const near = hint(key, TOP_LEVEL_KEYS);
    errors.push(`${segment(key)}: unknown key${near || " (only [orchestrator] and [agents.NAME] are allowed)"}`);
  }
  const orchestrator = readOrchestrator(raw.orchestrator, dir, errors);
  const agents = readAgents(raw.agents, dir, errors, orchestrator);
  const http = readHttp(raw.http, dir, errors);
  if (errors.length > 0) return { ok: false, errors };
  const config: Config = { path: file, orchestrator, agents, http };
  return { ok: true, config, warnings: configWarnings(config) };
}

function readOrchestrator(raw: unknown, dir: string, errors: string[]): OrchestratorConfig {
  const s = open(raw, "orchestrator", errors, ORCHESTRATOR_KEYS);
  const socket = resolve(dir, read(s, "command_socket_path", nonEmptyString, OD.command_socket_path));
  const bytes = Buffer.byteLength(socket);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    fail(s, "command_socket_path", `too long for a UNIX socket (${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}): ${socket}`);
  }
  return {
    name: read(s, "name", nonEmptyString, basename(dir) || "pyorchestrate"),
    enable_command_interface: read(s, "enable_command_interface", boolean, OD.enable_command_interface),
    command_socket_path: socket,
    command_socket_permissions: read(s, "command_socket_permissions", fileMode, OD.command_socket_permissions),
    command_socket_group: read(s, "command_socket_group", nonEmptyString, null),
    max_workers: read(s, "max_workers", nonNegativeInteger, OD.max_workers),
    allowed_commands: readAllowedCommands(s),
    blocked_commands: readCommandList(s, "blocked_commands"),
    command_timeout: read(s, "command_timeout", positiveNumber, OD.command_timeout),
    shutdown_timeout: read(s, "shutdown_timeout", positiveNumber, OD.shutdown_timeout),
    state_dir: resolve(dir, read(s, "state_dir", nonEmptyString, OD.state_dir)),
    history_capacity: read(s, "history_capacity", positiveInteger, OD.history_capacity),
    log_max_size: read(s, "log_max_size", byteSize, OD.log_max_size),
    log_keep: read(s, "log_keep", logKeep, OD.log_keep),
  };
}

function readAllowedCommands(s: Section): AllowedCommands {
  const value = s.table.allowed_commands;
  if (value === undefined) return "all";
  if (Array.isArray(value)) return readCommandList(s, "allowed_commands");
  if (typeof value === "string" && (COMMAND_PRESETS as readonly string[]).includes(value)) return value as AllowedCommands;
  const near = typeof value === "string" ? hint(value, COMMAND_PRESETS) : "";
  fail(s, "allowed_commands", `must be ${quote(COMMAND_PRESETS)}, or an array of command names (got ${describe(value)})${near}`);
  return "all";
}

/** An array of runtime command names; each unknown name is its own error. */
function readCommandList(s: Section, key: string): string[] {
  const value = s.table[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    fail(s, key, `must be an array of command names (got ${describe(value)})`);
    return [];
  }
  const names: string[] = [];
  value.forEach((item, i) => {
    const at = `${s.path}.${key}[${i}]`;
    if (typeof item !== "string") s.errors.push(`${at}: must be a command name (got ${describe(item)})`);
    else if (!(KNOWN_COMMANDS as readonly string[]).includes(item)) {
      s.errors.push(`${at}: unknown command '${item}'${hint(item, KNOWN_COMMANDS)}`);
    } else if (!names.includes(item)) names.push(item);
  });
  return names;
}

/** `defaults`: the [orchestrator] values an agent inherits (log_max_size, log_keep). */
function readAgents(raw: unknown, dir: string, errors: string[], defaults: OrchestratorConfig): AgentConfig[] {
  if (raw === undefined) return [];
  if (!isTable(raw)) {
    errors.push(`agents: must be a table of [agents.NAME] sections (got ${describe(raw)})`);
    return [];
  }
  const names = Object.keys(raw);
  const agents: AgentConfig[] = [];
  for (const name of names) {
    const path = `agents.${segment(name)}`;
    if (!AGENT_NAME_PATTERN.test(name)) {
      errors.push(`${path}: invalid agent name (letters, digits, '_', '.', '-'; 1 to 64 characters; starting with a letter or digit)`);
    } else if (name === ALL_AGENTS) {
      errors.push(`${path}: the name '${ALL_AGENTS}' is reserved (commands take it to mean every agent)`);
    }
    const value = raw[name];
    if (!isTable(value)) {
      errors.push(`${path}: must be a table [agents.NAME] describing one agent (got ${describe(value)})`);
      continue;
    }
    agents.push(readAgent(name, open(value, path, errors, AGENT_KEYS), names, dir, defaults));
  }
  // Unknown and self edges were dropped from depends_on above, so only real cycles remain.
  for (const cycle of findCycles(agents)) errors.push(`agents: dependency cycle ${cycle.join(" → ")}`);
  return agents;
}

function readAgent(name: string, s: Section, names: readonly string[], dir: string, defaults: OrchestratorConfig): AgentConfig {
  const has = (key: string) => s.table[key] !== undefined;
  const inferred: AgentKind = has("execution_interval") || has("schedule") ? "periodic" : "looping";
  const kindGiven = read(s, "kind", oneOf(AGENT_KINDS), undefined);
  const kindValid = kindGiven !== undefined || !has("kind");
  const kind = kindGiven ?? inferred;
  // Kind-specific keys: misplaced ones are errors. With an invalid kind, just check the values.
  const applies = (key: string, kinds: readonly AgentKind[]): boolean => {
    if (!kindValid || kinds.includes(kind)) return true;
    if (has(key)) fail(s, key, `only allowed when kind is ${quote(kinds)} (this agent's kind is "${kind}")`);
    return false;
  };
  if (kindValid && kind === "periodic" && has("execution_interval") === has("schedule")) {
    if (has("schedule")) fail(s, "schedule", "give either schedule or execution_interval, not both");
    else fail(s, "execution_interval", `required when kind is "periodic" (seconds between runs), or a cron schedule instead`);
  }
  const D = AGENT_DEFAULTS;
  const envFile = readEnvFile(s, dir);
  return {
    name,
    command: readCommand(s),
    kind,
    execution_interval: applies("execution_interval", ["periodic"]) ? read(s, "execution_interval", positiveNumber, null) : null,
    timeout: applies("timeout", ["oneshot", "periodic"]) ? read(s, "timeout", positiveNumber, null) : null,
    limit: applies("limit", ["periodic"]) ? read(s, "limit", runLimit, D.limit) : D.limit,
    delay_compensation: applies("delay_compensation", ["periodic"]) ? read(s, "delay_compensation", boolean, D.delay_compensation) : D.delay_compensation,
    depends_on: readDependsOn(s, name, names),
    restart: applies("restart", ["looping"]) ? read(s, "restart", oneOf(RESTART_POLICIES), D.restart) : D.restart,
    max_restarts: read(s, "max_restarts", nonNegativeInteger, D.max_restarts),
    restart_window: read(s, "restart_window", positiveNumber, D.restart_window),
    autostart: read(s, "autostart", boolean, D.autostart),
    cwd: resolve(dir, read(s, "cwd", nonEmptyString, D.cwd)),
    env: { ...envFile.env, ...readEnv(s) },
    stop_signal: read(s, "stop_signal", stopSignal, D.stop_signal),
    stop_timeout: read(s, "stop_timeout", positiveNumber, D.stop_timeout),
    log_max_size: read(s, "log_max_size", byteSize, defaults.log_max_size),
    log_keep: read(s, "log_keep", logKeep, defaults.log_keep),
    ...(applies("schedule", ["periodic"]) ? readSchedule(s) : { schedule: null, cron: null }),
    jitter: applies("jitter", ["periodic"]) ? read(s, "jitter", nonNegativeNumber, D.jitter) : D.jitter,
    overlap: applies("overlap", ["periodic"]) ? read(s, "overlap", oneOf(OVERLAP_POLICIES), D.overlap) : D.overlap,
    ready: applies("ready", ["looping"]) ? readHealthCheck(s, "ready") : null,
    alive: applies("alive", ["looping"]) ? readHealthCheck(s, "alive") : null,
    user: readAccount(s),
    umask: readUmask(s),
    env_file: envFile.path,
    max_memory: readMaxMemory(s),
    groups: readGroups(s),
    instances: readInstances(s),
  };
}

/** The schedule as written and as parsed: parsed here once, used as parsed by the schedule. */
function readSchedule(s: Section): Pick<AgentConfig, "schedule" | "cron"> {
  const text = read(s, "schedule", nonEmptyString, null);
  if (text === null) return { schedule: null, cron: null };
  const parsed = parseCron(text);
  if (parsed.ok) return { schedule: text.trim(), cron: parsed.schedule };
  fail(s, "schedule", `${parsed.error} (got ${describe(text)})`);
  return { schedule: null, cron: null };
}

/** argv array, or a string run by /bin/sh -c. */
function readCommand(s: Section): string[] {
  const value = s.table.command;
  if (value === undefined) {
    fail(s, "command", 'required (an array of strings such as ["python3", "app.py"], or a string run by /bin/sh -c)');
    return [];
  }
  if (typeof value === "string") {
    if (value.trim() === "") fail(s, "command", "must not be empty");
    return ["/bin/sh", "-c", value];
  }
  if (!Array.isArray(value)) {
    fail(s, "command", `must be an array of strings or a string (got ${describe(value)})`);
    return [];
  }
  if (value.length === 0) fail(s, "command", "must not be an empty array");
  value.forEach((item, i) => {
    const checked = nonEmptyString(item);
    if (!checked.ok) s.errors.push(`${s.path}.command[${i}]: ${checked.error}`);
  });
  return value.filter((item): item is string => typeof item === "string");
}

/** ["A", "B"] (each "started") or { A = "completed" }; unknown and self edges are errors and dropped. */
function readDependsOn(s: Section, self: string, names: readonly string[]): Record<string, DependencyCondition> {
  const value = s.table.depends_on;
  const path = `${s.path}.depends_on`;
  const edges: Record<string, DependencyCondition> = {};
  const add = (provider: string, condition: DependencyCondition): void => {
    const at = `${path}.${segment(provider)}`;
    if (provider === self) s.errors.push(`${at}: an agent cannot depend on itself`);
    else if (!names.includes(provider)) {
      s.errors.push(
        `${at}: unknown agent '${provider}'${hint(
          provider,
          names.filter((n) => n !== self),
        )}`,
      );
    } else if (!Object.hasOwn(edges, provider)) edges[provider] = condition;
  };
  if (value === undefined) return edges;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === "string" && item !== "") add(item, "started");
      else s.errors.push(`${path}[${i}]: must be an agent name (got ${describe(item)})`);
    });
  } else if (isTable(value)) {
    const condition = oneOf(DEPENDENCY_CONDITIONS);
    for (const [provider, raw] of Object.entries(value)) {
      const checked = condition(raw);
      if (checked.ok) add(provider, checked.value);
      else s.errors.push(`${path}.${segment(provider)}: ${checked.error}`);
    }
  } else {
    fail(s, "depends_on", `must be an array of agent names or a table of name = condition (got ${describe(value)})`);
  }
  return edges;
}

/** Strictly strings: a number or boolean is more likely a mistake than something to coerce. */
function readEnv(s: Section): Record<string, string> {
  const value = s.table.env;
  const env: Record<string, string> = {};
  if (value === undefined) return env;
  if (!isTable(value)) {
    fail(s, "env", `must be a table of NAME = "value" (got ${describe(value)})`);
    return env;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = `${s.path}.env.${segment(key)}`;
    if (key === "" || key.includes("=") || key.includes("\0")) s.errors.push(`${at}: not a valid environment variable name`);
    else if (typeof item !== "string") s.errors.push(`${at}: must be a string (got ${describe(item)})`);
    else env[key] = item;
  }
  return env;
}
