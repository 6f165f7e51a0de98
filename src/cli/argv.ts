// A command's raw arguments read against its citty-shaped `args` declaration, strictly: an
// unknown flag, a value flag without its value or a missing required positional is a UsageError.
// Hand-written rather than citty's parser, which loads node:util (~15 ms of start-up) for every command.

import type { ArgDef, ArgsDef } from "citty";
import { UsageError } from "./errors.ts";

/** What a command's `run` gets: every positional in `_`, then each declared arg under its declared key. */
export type ParsedArgv = { _: string[] } & Record<string, string | boolean | string[] | undefined>;

/**
 * Flags: `--name value`, `--name=value`, a one-letter alias `-n value` / `-n=value`, `--no-name` for
 * a boolean, `--name=true|false`; a name may be spelt with `-` for `_`. `--` ends the flags; `-`
 * alone is a positional. Positionals fill the declared positionals in order, and all stay in `_`.
 */
export function parseArgv(rawArgs: readonly string[], defs: ArgsDef): ParsedArgv {
  const parsed: ParsedArgv = { _: [] };
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === "--") {
      parsed._.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      parsed._.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const equals = body.indexOf("=");
    const flag = equals === -1 ? body : body.slice(0, equals);
    const inline = equals === -1 ? undefined : body.slice(equals + 1);
    const found = findFlag(flag, defs);
    // Messages name the option as it was typed: `-n`, `--lines`, `--no-follow`.
    const typed = arg.split("=")[0] as string;
    if (!found) throw new UsageError(`unknown option '${typed}'`);
    const [key, def, negated] = found;
    if (def.type === "boolean") {
      if (inline !== undefined && inline !== "true" && inline !== "false") throw new UsageError(`option '${typed}' takes no value`);
      parsed[key] = negated ? false : inline !== "false";
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = rawArgs[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-")) throw new UsageError(`option '${typed}' needs a value`);
      value = next;
      i++;
    }
    if (def.type === "enum" && def.options && !def.options.includes(value)) {
      throw new UsageError(`${typed} must be one of ${def.options.join(", ")} (got '${value}')`);
    }
    parsed[key] = value;
  }
  const positionals = [...parsed._];
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") {
      const value = positionals.shift() ?? def.default;
      if (value === undefined && def.required !== false) throw new UsageError(`Missing required positional argument: ${key.toUpperCase()}`);
      parsed[key] = value;
    } else if (parsed[key] === undefined) {
      if (def.default !== undefined) parsed[key] = def.default as string | boolean;
      else if (def.required === true) throw new UsageError(`Missing required argument: --${key}`);
    }
  }
  return parsed;
}

/** The declared flag a raw flag name stands for: [key, its definition, whether it is `no-` negated]. */
export function findFlag(flag: string, defs: ArgsDef): [string, ArgDef, boolean] | undefined {
  const negated = flag.startsWith("no-") ? flag.slice(3) : null;
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    const alias = "alias" in def ? def.alias : undefined;
    const names = [key, key.replace(/_/g, "-"), ...(alias === undefined ? [] : Array.isArray(alias) ? alias : [alias])];
    if (names.includes(flag)) return [key, def, false];
    if (negated !== null && def.type === "boolean" && names.includes(negated)) return [key, def, true];
  }
  return undefined;
}

/**
 * How the user wrote the flag declared as `key` (the last time it was given): `-n` or `--lines`,
 * for a message about its value. `--key` when it was not given.
 */
export function typedFlag(rawArgs: readonly string[], key: string, defs: ArgsDef): string {
  return typedFlags(rawArgs, key, defs).at(-1) ?? `--${key}`;
}

/**
 * Every time the flag declared as `key` was given, as typed (`-c`, `--config`), in order: for a
 * flag that must come once. A flag's value never starts with `-` unless inline (`--x=-c`), so a
 * word that looks like a flag is one.
 */
export function typedFlags(rawArgs: readonly string[], key: string, defs: ArgsDef): string[] {
  const typed: string[] = [];
  for (const arg of rawArgs) {
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") continue;
    const name = arg.replace(/^--?/, "").split("=")[0] as string;
    if (findFlag(name, defs)?.[0] === key) typed.push(arg.split("=")[0] as string);
  }
  return typed;
}
