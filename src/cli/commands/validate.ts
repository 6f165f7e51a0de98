import { defineCommand } from "../command.ts";
import { startOrder } from "../../config/dependency-graph.ts";
import { loadConfig } from "../../config/load.ts";
import { EXIT, UsageError } from "../errors.ts";
import { writeText } from "../output.ts";

export default defineCommand({
  meta: { name: "validate", description: "Check a config file without starting anything (exit 0 valid, 1 invalid)" },
  args: { config: { type: "positional", required: false, description: "Config file (default ./pyorchestrate.toml)" } },
  async run({ args }) {
    if (args._.length > 1) throw new UsageError(`unexpected argument '${args._[1]}'`);
    const path = args.config ?? "pyorchestrate.toml";
    const loaded = await loadConfig(path);
    if (!loaded.ok) {
      for (const error of loaded.errors) process.stderr.write(`✗ ${error}\n`);
      process.stderr.write(`${path}: ${loaded.errors.length} error(s)\n`);
      process.exitCode = EXIT.error;
      return;
    }
    const { config, warnings } = loaded;
    // Valid all the same: the warnings go to stderr and the exit status stays 0.
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
    const order = startOrder(config.agents);
    writeText(`✓ ${path} is valid: ${config.agents.length} agent(s)${order.length ? `, start order ${order.join(" → ")}` : ""}`);
    process.exitCode = EXIT.ok;
  },
});
