// The command tree (each command loaded only when it runs) and a strict front door: unknown
// commands and flags are usage errors (exit 2, usage on stderr), not silently ignored. Nothing
// here may load what `--version` or `ps` does not use (see README, Performance).

import type { ArgsDef, CommandDef } from "citty";
import { COMMAND_TABLE } from "../protocol/command-table.ts";
import type { CommandName } from "../protocol/commands.ts";
import type { CommandTable } from "./completion/model.ts";
import { runCommand } from "./command.ts";
import { EXIT, UsageError } from "./errors.ts";
import { commandHelp, ROOT_USAGE, rootHelp, usageLine } from "./help-text.ts";
import { writeErr, writeOut } from "./output.ts";

type Loader = () => Promise<CommandDef<ArgsDef>>;

const load = (module: Promise<{ default: unknown }>) => module.then((m) => m.default as CommandDef<ArgsDef>);

/** Each runtime command's module: a command of the protocol without one does not compile. */
const RUNTIME_COMMANDS: Record<CommandName, Loader> = {
  ps: () => load(import("./commands/ps.ts")),
  start: () => load(import("./commands/start.ts")),
  stop: () => load(import("./commands/stop.ts")),
  restart: () => load(import("./commands/restart.ts")),
  run: () => load(import("./commands/run.ts")),
  scale: () => load(import("./commands/scale.ts")),
  status: () => load(import("./commands/status.ts")),
  stats: () => load(import("./commands/stats.ts")),
  dependencies: () => load(import("./commands/dependencies.ts")),
  report: () => load(import("./commands/report.ts")),
  history: () => load(import("./commands/history.ts")),
  "history-stats": () => load(import("./commands/history-stats.ts")),
  logs: () => load(import("./commands/logs.ts")),
  shutdown: () => load(import("./commands/shutdown.ts")),
  reload: () => load(import("./commands/reload.ts")),
};

/**
 * name → [description, loader], in the order help lists them: the offline commands, then the
 * runtime ones as protocol/command-table.ts has them. Descriptions live here so help loads no command.
 */
const COMMANDS: CommandTable = {
  serve: ["Run the orchestrator in the foreground", () => load(import("./commands/serve.ts"))],
  validate: ["Check a config file without starting anything", () => load(import("./commands/validate.ts"))],
  notify: ["Send READY=1, STATUS=… to $NOTIFY_SOCKET from an agent, as systemd-notify does", () => load(import("./commands/notify.ts"))],
  export: ["Convert a config to systemd units, Kubernetes manifests or a Nomad job", () => load(import("./commands/export.ts"))],
  ...Object.fromEntries((Object.keys(COMMAND_TABLE) as CommandName[]).map((name) => [name, [COMMAND_TABLE[name].description, RUNTIME_COMMANDS[name]]])),
  // The completion script is written from this table, handed over rather than imported back.
  completion: [
    "Print a shell completion script (bash, zsh or fish)",
    () => import("./commands/completion.ts").then((m) => m.completionCommand(COMMANDS) as unknown as CommandDef<ArgsDef>),
  ],
  // What operators type out of habit (supervisorctl, pm2, systemctl): `version`, `help COMMAND`.
  version: ["Print the version, as --version does", () => load(import("./commands/version.ts"))],
  help: [
    "Print a command's help, as COMMAND --help does, or this list",
    () => import("./commands/help.ts").then((m) => m.helpCommand(COMMANDS) as unknown as CommandDef<ArgsDef>),
  ],
};

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  // `--version` and `-v` are answered by src/main.ts, before this module is loaded.
  // `help` alone prints the same, through commands/help.ts.
  if (name === undefined || name === "--help" || name === "-h") {
    const text = rootHelp(COMMANDS);
    if (name === undefined) {
      writeErr(`${text}\n`);
      process.exitCode = EXIT.usage;
    } else writeOut(`${text}\n`);
    return;
  }
  // Hidden (not in COMMANDS, so never in help): what the completion scripts call back for agent names.
  if (name === "__complete") return (await import("./completion/agents.ts")).complete(rest);
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const { hint } = await import("../common/did-you-mean.ts");
    return usageError(`unknown command '${name}'${hint(name, Object.keys(COMMANDS))}`, ROOT_USAGE);
  }
  const command = await entry[1]();
  const args = (command.args ?? {}) as ArgsDef;
  if (rest.includes("--help") || rest.includes("-h")) {
    writeOut(`${commandHelp(name, entry[0], args)}\n`);
    return;
  }
  try {
    await runCommand(command, rest);
  } catch (error) {
    if (error instanceof UsageError) {
      return usageError(error.message, usageLine(name, args));
    }
    throw error;
  }
}

function usageError(message: string, usage: string): void {
  writeErr(`✗ ${message}\n${usage}\n`);
  process.exitCode = EXIT.usage;
}
