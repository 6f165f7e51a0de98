// reload: re-read the config file and apply what changed.

import type { Handler } from "../context.ts";
import { reloadConfiguration } from "../reload.ts";
import { noArgs } from "./args.ts";

export const reload: Handler<"reload"> = {
  parseArgs: noArgs,
  run: (ctx) => reloadConfiguration(ctx),
};
