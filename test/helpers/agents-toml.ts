// Writing [agents.*] tables and reading agent state back, for tests of agent behaviour.

import type { AgentStatusData, PsAgent } from "../../src/protocol/commands.ts";
import { groupMembers } from "./processes.ts";
import type { Served } from "./serve.ts";
import { waitFor } from "./wait.ts";

type TomlValue = string | number | boolean | string[] | Record<string, string>;

function tomlValue(value: TomlValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
  return `{ ${Object.entries(value)
    .map(([key, item]) => `${key} = ${JSON.stringify(item)}`)
    .join(", ")} }`;
}

/** One [agents.NAME] table. */
export function agent(name: string, fields: Record<string, TomlValue>): string {
  const lines = Object.entries(fields).map(([key, value]) => `${key} = ${tomlValue(value)}`);
  return `[agents.${name}]\n${lines.join("\n")}\n\n`;
}

export const sh = (script: string): string[] => ["sh", "-c", script];

export async function psAll(served: Served): Promise<Record<string, PsAgent>> {
  const { agents } = await served.data("ps");
  return Object.fromEntries(agents.map((row) => [row.name, row]));
}

export async function psOf(served: Served, name: string): Promise<PsAgent> {
  const found = (await psAll(served))[name];
  if (!found) throw new Error(`no agent ${name} in ps`);
  return found;
}

export async function statusOf(served: Served, name: string): Promise<AgentStatusData> {
  return (await served.data("status", { agent: name })) as AgentStatusData;
}

/** Polls ps until the agent matches; resolves to that ps row. */
export function until(served: Served, name: string, match: (row: PsAgent) => boolean, what: string, timeoutMs = 10_000): Promise<PsAgent> {
  return waitFor(
    async () => {
      const row = await psOf(served, name);
      return match(row) ? row : null;
    },
    `${name} ${what}`,
    timeoutMs,
  );
}

export const running = (served: Served, name: string, timeoutMs?: number) =>
  until(served, name, (row) => row.status === "running" && row.pid !== null, "to run", timeoutMs);

/**
 * Running with its loop begun: a second member in its group (the loop's `sleep`). A `trap` set
 * before the loop is in place by then, so a stop cannot reach the shell before its trap does.
 */
export const armed = (served: Served, name: string, timeoutMs?: number) =>
  until(served, name, (row) => row.status === "running" && row.pid !== null && groupMembers(row.pid).length >= 2, "to run with its trap set", timeoutMs);

export const inStatus = (served: Served, name: string, status: PsAgent["status"], timeoutMs?: number) =>
  until(served, name, (row) => row.status === status, `to be ${status}`, timeoutMs);
