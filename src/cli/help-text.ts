// The help texts: the root's (the command list) and one command's (its usage line and arguments),
// shared by `--help`, `help [COMMAND]` and the usage line of a usage error. Pure text, no I/O.

import type { ArgDef, ArgsDef } from "citty";
import { VERSION } from "../version.ts";
import type { CommandTable } from "./completion/model.ts";

export const ROOT_USAGE = "Usage: pyorchestrate <command> [arguments] [socket_path] [--socket PATH] [--format table|json] [--json]";

/** A flag keyed by one letter (`c`, where the positional holds `config`) is named by its long alias. */
function flagName(key: string, def: ArgDef): string {
  const alias = "alias" in def ? def.alias : undefined;
  const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
  return key.length === 1 ? (aliases.find((name) => name.length > 1) ?? key) : key;
}

export function usageLine(name: string, args: ArgsDef): string {
  const parts = [`Usage: pyorchestrate ${name}`];
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") parts.push(def.required === false ? `[${key}]` : `<${key.toUpperCase()}>`);
  }
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const hint = "valueHint" in def && def.valueHint ? ` ${def.valueHint}` : "";
    parts.push(`[--${flagName(key, def)}${def.type === "boolean" ? "" : hint}]`);
  }
  return parts.join(" ");
}

export function commandHelp(name: string, description: string, args: ArgsDef): string {
  const lines = [description, "", usageLine(name, args), ""];
  for (const [key, def] of Object.entries(args)) {
    const label = def.type === "positional" ? key.toUpperCase() : `--${flagName(key, def)}`;
    lines.push(`  ${label.padEnd(14)} ${def.description ?? ""}`);
  }
  return lines.join("\n");
}

export function rootHelp(commands: CommandTable): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    `pyorchestrate ${VERSION}: supervises agents and answers runtime commands on a UNIX socket`,
    "",
    ROOT_USAGE,
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, [description]]) => `  ${name.padEnd(width)}  ${description}`),
    "",
    "Run 'pyorchestrate help <command>' (or 'pyorchestrate <command> --help') for a command's arguments.",
    "Exit status: 0 success, 1 the orchestrator answered an error, 2 usage error, 3 orchestrator unreachable.",
  ].join("\n");
}
