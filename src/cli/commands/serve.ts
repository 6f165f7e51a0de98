import { defineCommand } from "../command.ts";
import { serve } from "../../server/serve.ts";
import { VERSION } from "../../version.ts";
import { configArgs, configPath } from "../config-arg.ts";
import { UsageError } from "../errors.ts";

export default defineCommand({
  meta: { name: "serve", description: "Run the orchestrator in the foreground (logs on stderr)" },
  args: {
    ...configArgs,
    "log-format": { type: "string", description: "Log lines: human (default) or json (one object per line)", valueHint: "human|json" },
  },
  async run({ args, rawArgs }) {
    const format = args["log-format"] ?? "human";
    if (format !== "human" && format !== "json") throw new UsageError(`--log-format must be 'human' or 'json' (got '${format}')`);
    if (args._.length > 1) throw new UsageError(`unexpected argument '${args._[1]}'`);
    const code = await serve({ configPath: configPath(args, rawArgs), logFormat: format, version: VERSION });
    // A daemon's exit must not hang on a handle nobody needs any more (a pipe a stray process
    // still holds, say): everything serve owns is closed by now, and it writes nothing to stdout.
    process.exit(code);
  },
});
