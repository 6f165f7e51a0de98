// What commands may name besides one agent: `all`, `@group` (an agent's `groups = [...]`), and,
// for an agent with `instances = N`, each copy as NAME#i. Names of groups follow agent names.

import { AGENT_NAME_PATTERN } from "../protocol/agents.ts";
import { describe, fail, type Section } from "./schema.ts";

/** Selects every agent in start, stop, restart, run and logs; no agent may be called this. */
export const ALL_AGENTS = "all";

/** At most this many copies of one agent: each is a process, a log and a runtime. */
export const MAX_INSTANCES = 1000;

/** `groups = ["web", "workers"]`: names that `@web` selects, in the order written, once each. */
export function readGroups(s: Section): string[] {
  const value = s.table.groups;
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    fail(s, "groups", `must be an array of group names such as ["web", "workers"] (got ${describe(value)})`);
    return [];
  }
  const groups: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== "string" || !AGENT_NAME_PATTERN.test(item)) {
      s.errors.push(`${s.path}.groups[${i}]: a group name is letters, digits, '_', '.', '-' (got ${describe(item)})`);
    } else if (!groups.includes(item)) groups.push(item);
  });
  return groups;
}

/** `instances = N`: how many copies of the agent run (NAME#1 … NAME#N); null when absent (one, named NAME). */
export function readInstances(s: Section): number | null {
  const value = s.table.instances;
  if (value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_INSTANCES) {
    fail(s, "instances", `must be a whole number from 1 to ${MAX_INSTANCES} (got ${describe(value)})`);
    return null;
  }
  return value;
}
