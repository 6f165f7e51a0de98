// `pyorchestrate help [COMMAND]`: what `COMMAND --help` prints, or the command list alone.

import type { ArgsDef } from "citty";
import { hint } from "../../common/did-you-mean.ts";
import { defineCommand } from "../command.ts";
import type { CommandTable } from "../completion/model.ts";
import { UsageError } from "../errors.ts";
import { commandHelp, rootHelp } from "../help-text.ts";
import { writeOut } from "../output.ts";

/** `help` for the command table it is given (root.ts's, handed over rather than imported back). */
export function helpCommand(commands: CommandTable) {
  const names = Object.keys(commands);
  return defineCommand({
    meta: { name: "help", description: "Print the help of a command, or the list of commands" },
    args: {
      // The names as a value hint: completion offers them.
      command: { type: "positional", required: false, description: "The command to describe (default: list them all)", valueHint: names.join("|") },
    },
    async run({ args }) {
      if (args._.length > 1) throw new UsageError(`unexpected argument '${args._[1]}'`);
      const name = args.command;
      if (name === undefined) return writeOut(`${rootHelp(commands)}\n`);
      const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
      if (!entry) throw new UsageError(`unknown command '${name}'${hint(name, names)}`);
      const command = await entry[1]();
      writeOut(`${commandHelp(name, entry[0], (command.args ?? {}) as ArgsDef)}\n`);
    },
  });
}
