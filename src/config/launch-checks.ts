// What would make an agent's spawn fail, looked up the way the spawn looks: the program on the
// agent's PATH (its env's PATH, else serve's) from its cwd, and the cwd itself. Warnings, not
// errors: a program installed or a folder created later (by a oneshot the agent depends on, by a
// deploy after serve starts) is fine, and the spawn answers SPAWN_FAILED if it still is not there.

import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";
import { segment } from "./schema.ts";
import type { AgentConfig } from "./types.ts";

/** One warning per agent whose cwd or program is missing, starting with its key path. */
export function launchWarnings(agents: readonly AgentConfig[], env: Record<string, string | undefined> = process.env): string[] {
  const warnings: string[] = [];
  for (const agent of agents) {
    const at = `agents.${segment(agent.name)}`;
    const folder = folderProblem(agent.cwd);
    if (folder !== null) {
      // Without its folder nothing can be looked up from it: one warning says it all.
      warnings.push(`${at}.cwd: ${agent.cwd} ${folder}; the agent cannot start until it exists`);
      continue;
    }
    const problem = programProblem(agent, env);
    if (problem !== null) warnings.push(`${at}.command: ${problem}; the agent cannot start until it is there`);
  }
  return warnings;
}

function folderProblem(path: string): string | null {
  try {
    return statSync(path).isDirectory() ? null : "is not a folder";
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === "ENOENT" ? "does not exist" : `cannot be used (${code ?? String(error)})`;
  }
}

function programProblem(agent: AgentConfig, env: Record<string, string | undefined>): string | null {
  const [program] = agent.command;
  if (program === undefined || program === "") return null;
  const path = agent.env.PATH ?? env.PATH ?? "";
  if (Bun.which(program, { PATH: path, cwd: agent.cwd }) !== null) return null;
  if (program.includes("/")) {
    // A path: say whether it is missing or just not runnable.
    const full = resolve(agent.cwd, program);
    try {
      accessSync(full, constants.F_OK);
    } catch {
      return `'${program}' does not exist (looked for ${full})`;
    }
    return `'${program}' is not an executable file (${full}: chmod +x it, or run it through its interpreter)`;
  }
  const where = agent.env.PATH === undefined ? "PATH" : "the agent's env.PATH";
  return `'${program}' was not found on ${where} (${path || "empty"})`;
}
