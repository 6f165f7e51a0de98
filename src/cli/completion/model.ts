// What a completion script needs to know about the command line, read from the command table
// and each command's citty args at run time, so new commands and flags complete without edits here.

import type { ArgDef, ArgsDef, CommandDef } from "citty";
import { EVENT_CATEGORIES, EVENT_SEVERITIES, EVENT_TYPES } from "../../protocol/events.ts";

/** What a flag's value or a positional completes to. */
export type ValueCompletion =
  | { kind: "none"; label: string }
  | { kind: "words"; words: string[] }
  | { kind: "agents" }
  | { kind: "files"; label: string }
  | { kind: "dirs"; label: string };

export interface FlagSpec {
  /** `--socket`, and `--log-format` beside `--log_format`. */
  long: string[];
  /** One-letter aliases: `-n`. */
  short: string[];
  takesValue: boolean;
  value: ValueCompletion;
  description: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  value: ValueCompletion;
  description: string;
}

export interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
  /** In order, without the socket path positional (see `socketPositional`). */
  positionals: PositionalSpec[];
  /** Takes the reference's positional socket path (anywhere: a word with '/' or ending in .sock). */
  socketPositional: boolean;
}

/** The CLI's commands: name → [description, loader] (cli/root.ts's COMMANDS). */
export type CommandTable = Record<string, [string, () => Promise<CommandDef<ArgsDef>>]>;

/** The positional argument a client command takes as its socket (cli/define.ts, cli/commands/status.ts). */
const SOCKET_POSITIONAL = "socket_path";

const HELP: FlagSpec = { long: ["--help"], short: ["-h"], takesValue: false, value: { kind: "none", label: "" }, description: "Show help" };

/** Shell-safe words only: they are written into scripts unquoted. */
const isWord = (word: string) => /^[A-Za-z0-9_.:+-]+$/.test(word);

function label(key: string, def: ArgDef): string {
  const hint = def.valueHint && !def.valueHint.includes("|") ? def.valueHint : key;
  return hint.replace(/[^A-Za-z0-9_-]/g, "-");
}

/** Flags that filter events (history) take the protocol's event vocabulary. */
const EVENT_VOCABULARY: Record<string, readonly string[]> = { type: EVENT_TYPES, category: EVENT_CATEGORIES, severity: EVENT_SEVERITIES };

/** An agent name, a fixed set (enum options, a `a|b|c` value hint, event vocabulary), a path, or free text. */
export function valueCompletion(key: string, def: ArgDef): ValueCompletion {
  if (key === "agent") return { kind: "agents" };
  const vocabulary = def.type === "string" && Object.hasOwn(EVENT_VOCABULARY, key) ? EVENT_VOCABULARY[key] : undefined;
  if (vocabulary) return { kind: "words", words: [...vocabulary] };
  const hint = def.valueHint ?? "";
  const options = "options" in def && Array.isArray(def.options) ? def.options : hint.includes("|") ? hint.split("|") : null;
  if (options) return { kind: "words", words: options.map((o) => o.trim()).filter(isWord) };
  if (/dir/i.test(key) || /^dir/i.test(hint)) return { kind: "dirs", label: label(key, def) };
  if (/socket|config|file|path/i.test(key) || /path|file/i.test(hint)) return { kind: "files", label: label(key, def) };
  return { kind: "none", label: label(key, def) };
}

function aliasesOf(def: ArgDef): string[] {
  const alias = "alias" in def ? def.alias : undefined;
  return alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
}

async function resolveArgs(command: CommandDef<ArgsDef>): Promise<ArgsDef> {
  const args = command.args;
  return (typeof args === "function" ? await args() : await args) ?? {};
}

export function commandSpec(name: string, description: string, args: ArgsDef): CommandSpec {
  const flags: FlagSpec[] = [];
  const positionals: PositionalSpec[] = [];
  let socketPositional = false;
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") {
      if (key === SOCKET_POSITIONAL) socketPositional = true;
      else positionals.push({ name: key, required: def.required !== false, value: valueCompletion(key, def), description: def.description ?? "" });
      continue;
    }
    const names = [key, ...aliasesOf(def)];
    const long = [...new Set(names.flatMap((n) => [n, n.replace(/_/g, "-")]).filter((n) => n.length > 1))].map((n) => `--${n}`);
    const short = names.filter((n) => n.length === 1).map((n) => `-${n}`);
    const takesValue = def.type !== "boolean";
    flags.push({
      long,
      short,
      takesValue,
      value: takesValue ? valueCompletion(key, def) : { kind: "none", label: "" },
      description: def.description ?? "",
    });
  }
  flags.push(HELP);
  return { name, description, flags, positionals, socketPositional };
}

/** Every command of the table, loading each command module for its args (a module that fails to load still completes by name). */
export async function commandSpecs(table: CommandTable): Promise<CommandSpec[]> {
  return Promise.all(
    Object.entries(table).map(async ([name, [description, loader]]) => {
      const args = await loader().then(resolveArgs, () => ({}));
      return commandSpec(name, description, args);
    }),
  );
}

/** Every flag name of a command, long and short. */
export function flagNames(flag: FlagSpec): string[] {
  return [...flag.long, ...flag.short];
}
