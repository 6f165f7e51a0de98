import { defineCommand } from "../command.ts";
import { bashScript } from "../completion/bash.ts";
import { fishScript } from "../completion/fish.ts";
import { type CommandSpec, type CommandTable, commandSpecs } from "../completion/model.ts";
import { zshScript } from "../completion/zsh.ts";
import { UsageError } from "../errors.ts";
import { writeOut } from "../output.ts";

const GENERATORS: Record<string, (specs: CommandSpec[]) => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };
const SHELLS = Object.keys(GENERATORS);

/** `completion SHELL` for the command table it is given (the live one, so commands added later complete without touching the generators). */
export function completionCommand(commands: CommandTable) {
  return defineCommand({
    meta: { name: "completion", description: "Print a shell completion script for bash, zsh or fish" },
    args: {
      shell: { type: "positional", required: true, description: `Shell: ${SHELLS.join(", ")}`, valueHint: SHELLS.join("|") },
    },
    async run({ args }) {
      if (args._.length > 1) throw new UsageError(`unexpected argument '${args._[1]}'`);
      const generate = Object.hasOwn(GENERATORS, args.shell) ? GENERATORS[args.shell] : undefined;
      if (!generate) throw new UsageError(`unknown shell '${args.shell}' (expected ${SHELLS.join(", ")})`);
      writeOut(generate(await commandSpecs(commands)));
    },
  });
}
