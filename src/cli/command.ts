// The shape of a command module (citty's: meta, args, run) and the one way to run it. Commands take
// defineCommand from here, not from citty: importing citty at run time costs every command ~15 ms.

import type { ArgsDef, CommandContext, CommandDef } from "citty";
import { parseArgv } from "./argv.ts";

/** A command: what help shows (meta, args) and what it does (run). No setup, cleanup or subcommands. */
export type Command<T extends ArgsDef = ArgsDef> = Pick<CommandDef<T>, "meta" | "run"> & { args?: T };

export function defineCommand<const T extends ArgsDef = ArgsDef>(def: Command<T>): CommandDef<T> {
  return def;
}

/** Parses `rawArgs` against the command's args (a UsageError when they do not fit), then runs it. */
export async function runCommand(command: CommandDef<ArgsDef>, rawArgs: string[]): Promise<void> {
  const args = parseArgv(rawArgs, (command.args ?? {}) as ArgsDef) as CommandContext<ArgsDef>["args"];
  await command.run?.({ rawArgs, args, cmd: command });
}
