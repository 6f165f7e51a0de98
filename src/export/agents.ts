// What every target asks of an agent: its providers and dependents, the dependency islands, which
// keys were left at their defaults, the notify readiness check, and the env an env_file brought.

import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseEnvFile } from "../config/env-file.ts";
import { AGENT_DEFAULTS } from "../config/schema.ts";
import type { AgentConfig, Config, HealthCheckConfig } from "../config/types.ts";

export function byName(config: Config): Map<string, AgentConfig> {
  return new Map(config.agents.map((agent) => [agent.name, agent] as const));
}

/** The agents that depend on `name`, in declaration order. */
export function dependentsOf(config: Config, name: string): AgentConfig[] {
  return config.agents.filter((agent) => Object.hasOwn(agent.depends_on, name));
}

/**
 * Groups of agents joined by depends_on edges (either way), each in declaration order, among the
 * agents `member` accepts; edges to other agents do not join anything.
 */
export function islands(config: Config, member: (agent: AgentConfig) => boolean): AgentConfig[][] {
  const members = config.agents.filter(member);
  const names = new Set(members.map((a) => a.name));
  const parent = new Map(members.map((a) => [a.name, a.name] as const));
  const find = (name: string): string => {
    let root = name;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(name, root);
    return root;
  };
  for (const agent of members) {
    for (const provider of Object.keys(agent.depends_on)) if (names.has(provider)) parent.set(find(agent.name), find(provider));
  }
  const groups = new Map<string, AgentConfig[]>();
  for (const agent of members) {
    const root = find(agent.name);
    groups.set(root, [...(groups.get(root) ?? []), agent]);
  }
  return [...groups.values()];
}

/** cwd left out of the file resolves to the config's folder: a path of this host, not of an image. */
export function cwdDefaulted(config: Config, agent: AgentConfig): boolean {
  return agent.cwd === dirname(config.path);
}

/** Keys of AGENT_DEFAULTS whose value differs from the default. */
export function changed(agent: AgentConfig, key: keyof typeof AGENT_DEFAULTS): boolean {
  return agent[key] !== AGENT_DEFAULTS[key];
}

/** A running agent's argv[0] when it is a path relative to its cwd. */
export function hasRelativePath(command: readonly string[]): boolean {
  const program = command[0] ?? "";
  return program.includes("/") && !program.startsWith("/");
}

export interface NotifyCheck {
  /** Seconds without WATCHDOG=1 after which the agent is restarted; null = no watchdog. */
  watchdog: number | null;
}

/**
 * `[agents.X.ready] notify = true` (with `watchdog = N`), read without assuming its shape: the key
 * is being added to config/ now, so this accepts a target of kind "notify" with the watchdog on the
 * target or on the check, and is null for every other check.
 */
export function notifyCheck(check: HealthCheckConfig | null): NotifyCheck | null {
  if (check === null) return null;
  const target: { kind: string; watchdog?: unknown } = check.target;
  if (target.kind !== "notify") return null;
  const onCheck = (check as { watchdog?: unknown }).watchdog;
  const watchdog = [target.watchdog, onCheck].find((value) => typeof value === "number" && value > 0);
  return { watchdog: typeof watchdog === "number" ? watchdog : null };
}

/** What a check is, in a report's words: `http http://…`, `command pg_isready -q`. */
export function describeCheck(check: HealthCheckConfig): string {
  const target: { kind: string } = check.target;
  switch (check.target.kind) {
    case "command":
      return `command ${check.target.command.join(" ")}`;
    case "tcp":
      return `tcp ${check.target.host}:${check.target.port}`;
    case "http":
      return `http ${check.target.url}`;
    case "log":
      return `log /${check.target.pattern}/`;
    default:
      return target.kind;
  }
}

/**
 * The agent's env split into what its env_file sets and what `env` adds on top. The resolved
 * config holds the merge; the file is read again (it was valid a moment ago) to tell them apart.
 * `conflicts`: variables `env` sets to another value than the file (env wins in serve).
 */
export function envSources(agent: AgentConfig): { file: Record<string, string>; own: Record<string, string>; conflicts: string[] } {
  if (agent.env_file === null) return { file: {}, own: { ...agent.env }, conflicts: [] };
  let file: Record<string, string> = {};
  try {
    const parsed = parseEnvFile(readFileSync(agent.env_file, "utf8"));
    if (parsed.ok) file = parsed.env;
  } catch {
    // Gone since the config was loaded: everything counts as the agent's own env.
  }
  const own: Record<string, string> = {};
  const conflicts: string[] = [];
  for (const [name, value] of Object.entries(agent.env)) {
    if (!Object.hasOwn(file, name)) own[name] = value;
    else if (file[name] !== value) {
      own[name] = value;
      conflicts.push(name);
    }
  }
  return { file, own, conflicts };
}

/** Seconds as a whole number, rounded up (for fields that take integers); `rounded` says if it changed. */
export function wholeSeconds(seconds: number, minimum = 0): { value: number; rounded: boolean } {
  const value = Math.max(minimum, Math.ceil(seconds));
  return { value, rounded: value !== seconds };
}

/** "1.5 s", "30 s" */
export function secondsText(seconds: number): string {
  return `${seconds} s`;
}

/** A DNS-1123 label from an agent or orchestrator name: lower case, `-` for anything else. */
export function slug(name: string, max = 52): string {
  const text = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");
  return text === "" ? "agent" : text;
}
