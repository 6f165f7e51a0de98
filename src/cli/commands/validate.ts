import { defineCommand } from "../command.ts";
import { startOrder } from "../../config/dependency-graph.ts";
import { type LoadResult, loadConfig } from "../../config/load.ts";
import { type Problem, splitProblem } from "../../config/problems.ts";
import { success } from "../../protocol/envelope.ts";
import { offlineFormat, offlineFormatArgs } from "../args.ts";
import { configArgs, configPath } from "../config-arg.ts";
import { EXIT, UsageError } from "../errors.ts";
import { writeErr, writeJson, writeText } from "../output.ts";

/** `validate --json`'s data. `agents` and `start_order` are null for an invalid file: nothing was resolved. */
export interface ValidateData {
  valid: boolean;
  /** The config file as given. */
  path: string;
  agents: string[] | null;
  start_order: string[] | null;
  errors: Problem[];
  warnings: Problem[];
}

export default defineCommand({
  meta: { name: "validate", description: "Check a config file without starting anything (exit 0 valid, 1 invalid)" },
  args: { ...configArgs, ...offlineFormatArgs },
  async run({ args, rawArgs }) {
    if (args._.length > 1) throw new UsageError(`unexpected argument '${args._[1]}'`);
    const format = offlineFormat(args);
    const path = configPath(args, rawArgs);
    const loaded = await loadConfig(path);
    process.exitCode = loaded.ok ? EXIT.ok : EXIT.error;
    // In JSON the errors and warnings are the data: nothing on stderr.
    if (format === "json") return writeJson(success(null, validateData(path, loaded)));
    if (!loaded.ok) {
      for (const error of loaded.errors) writeErr(`✗ ${error}\n`);
      writeErr(`${path}: ${loaded.errors.length} error(s)\n`);
      return;
    }
    const { config, warnings } = loaded;
    // Valid all the same: the warnings go to stderr and the exit status stays 0.
    for (const warning of warnings) writeErr(`warning: ${warning}\n`);
    const order = startOrder(config.agents);
    writeText(`✓ ${path} is valid: ${config.agents.length} agent(s)${order.length ? `, start order ${order.join(" → ")}` : ""}`);
  },
});

function validateData(path: string, loaded: LoadResult): ValidateData {
  if (!loaded.ok) return { valid: false, path, agents: null, start_order: null, errors: loaded.errors.map(splitProblem), warnings: [] };
  const { config, warnings } = loaded;
  return {
    valid: true,
    path,
    agents: config.agents.map((agent) => agent.name),
    start_order: startOrder(config.agents),
    errors: [],
    warnings: warnings.map(splitProblem),
  };
}
