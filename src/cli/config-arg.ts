// The config file of the offline commands (serve, validate, export): the positional CONFIG as
// always, or -c/--config FILE as supervisord and pm2 users type it; one of them, once.

import type { ArgsDef } from "citty";
import { typedFlags } from "./argv.ts";
import { UsageError } from "./errors.ts";

export const DEFAULT_CONFIG = "pyorchestrate.toml";

/**
 * Spread last among a command's positionals: CONFIG fills the slot after theirs. The flag is keyed
 * `c`, its long name an alias, because the positional already holds the key `config` (usage lines
 * and scripts know it as `[config]`); help names it --config (help-text.ts).
 */
export const configArgs = {
  config: { type: "positional", required: false, description: `Config file (default ./${DEFAULT_CONFIG})` },
  c: { type: "string", alias: "config", description: "-c: the config file, instead of CONFIG", valueHint: "file" },
} as const satisfies ArgsDef;

/** The file to read; a UsageError when it is given twice (CONFIG and -c, or -c twice), rather than one silently winning. */
export function configPath(args: { config?: string; c?: string }, rawArgs: readonly string[]): string {
  const flags = typedFlags(rawArgs, "c", configArgs);
  if (flags.length > 1) throw new UsageError(`config file given twice (${flags.join(", ")}): give it once`);
  if (args.c !== undefined && args.config !== undefined) {
    throw new UsageError(`config file given twice ('${args.config}' and ${flags[0]} '${args.c}'): give it once`);
  }
  return args.c ?? args.config ?? DEFAULT_CONFIG;
}
