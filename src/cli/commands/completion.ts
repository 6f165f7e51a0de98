import { defineCommand } from "citty";
import { bashScript } from "../completion/bash.ts";
import { fishScript } from "../completion/fish.ts";
import { type CommandSpec, commandSpecs } from "../completion/model.ts";
import { zshScript } from "../completion/zsh.ts";
import { UsageError } from "../errors.ts";

const GENERATORS: Record<string, (specs: CommandSpec[]) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };
const SHELLS = Object.keys(GENERATORS);

export default defineCommand({
  meta: { name: "completion", description: "Print a shell completion script for bash, zsh or fish" },
  args: {
    shell: { type: "positional", required: true, description: `Shell: ${SHELLS.join(", ")}`, valueHint: SHELLS.join("|") },
  },
  async run({ args }) {
    if (args._.length > 1) throw new UsageError(`unexpected argument '${args._[1]}'`);
    const generate = Object.hasOwn(GENERATORS, args.shell) ? GENERATORS[args.shell] : undefined;
    if (!generate) throw new UsageError(`unknown shell '${args.shell}' (expected ${SHELLS.join(", ")})`);
    // The live command table, so commands added later complete without touching the generators.
    const { COMMANDS } = await import("../root.ts");
    process.stdout.write(generate(await commandSpecs(COMMANDS)));
  },
});
