// `pyorchestrate version`: what `--version` prints (src/main.ts answers that one before any command
// loads), or with --json the envelope every command's JSON comes in.

import { success } from "../../protocol/envelope.ts";
import { VERSION } from "../../version.ts";
import { offlineFormat, offlineFormatArgs } from "../args.ts";
import { defineCommand } from "../command.ts";
import { UsageError } from "../errors.ts";
import { writeJson, writeOut } from "../output.ts";

export default defineCommand({
  meta: { name: "version", description: "Print the version, as --version does" },
  args: offlineFormatArgs,
  async run({ args }) {
    if (args._.length > 0) throw new UsageError(`unexpected argument '${args._[0]}'`);
    if (offlineFormat(args) === "json") writeJson(success(null, { version: VERSION }));
    else writeOut(`${VERSION}\n`);
  },
});
