// The command tree (each command loaded only when it runs) and a strict front door around citty:
// unknown commands and flags are usage errors (exit 2, usage on stderr), not silently ignored.

import { type ArgsDef, type CommandDef, runCommand } from "citty";
import { VERSION } from "../version.ts";
import { EXIT, UsageError } from "./errors.ts";

type Loader = () => Promise<CommandDef<ArgsDef>>;

const load = (module: Promise<{ default: unknown }>) => module.then((m) => m.default as CommandDef<ArgsDef>);

/** name → [description, loader]; descriptions live here so help does not load every command. */
export const COMMANDS: Record<string, [string, Loader]> = {
  serve: ["Run the orchestrator in the foreground", () => load(import("./commands/serve.ts"))],
  validate: ["Check a config file without starting anything", () => load(import("./commands/validate.ts"))],
  ps: ["List all agents with their current status", () => load(import("./commands/ps.ts"))],
  start: ["Start an agent (and first its stopped dependencies)", () => load(import("./commands/start.ts"))],
  stop: ["Stop an agent gracefully", () => load(import("./commands/stop.ts"))],
  restart: ["Restart an agent", () => load(import("./commands/restart.ts"))],
  status: ["Status of an agent, or of the orchestrator", () => load(import("./commands/status.ts"))],
  stats: ["Statistics of the orchestrator and all agents", () => load(import("./commands/stats.ts"))],
  dependencies: ["What each agent waits for, and the start order", () => load(import("./commands/dependencies.ts"))],
  report: ["A full report of the orchestrator's state", () => load(import("./commands/report.ts"))],
  history: ["The event history (--last, --agent, --type, --category, --after-seq, --follow)", () => load(import("./commands/history.ts"))],
  "history-stats": ["Event counts by type, and how full the history is", () => load(import("./commands/history-stats.ts"))],
  logs: ["An agent's last output lines (-n, --stream, --since, --follow)", () => load(import("./commands/logs.ts"))],
  shutdown: ["Stop all agents in dependency order, then the orchestrator", () => load(import("./commands/shutdown.ts"))],
  reload: ["Re-read the config file: add, remove and restart changed agents", () => load(import("./commands/reload.ts"))],
  completion: ["Print a shell completion script (bash, zsh or fish)", () => load(import("./commands/completion.ts"))],
};

const ROOT_USAGE = "Usage: pyorchestrate <command> [arguments] [socket_path] [--socket PATH] [--format table|json] [--json]";

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const text = rootHelp();
    if (name === undefined) {
      process.stderr.write(`${text}\n`);
      process.exitCode = EXIT.usage;
    } else process.stdout.write(`${text}\n`);
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
    process.stdout.write(`${commandHelp(name, entry[0], args)}\n`);
    return;
  }
  try {
    checkFlags(rest, args);
    await runCommand(command, { rawArgs: rest });
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && error.name === "CLIError")) {
      return usageError(error.message, usageLine(name, args));
    }
    throw error;
  }
}

function usageError(message: string, usage: string): void {
  process.stderr.write(`✗ ${message}\n${usage}\n`);
  process.exitCode = EXIT.usage;
}

/** Every flag must be one the command declares; a value flag must have its value. */
function checkFlags(rawArgs: string[], args: ArgsDef): void {
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === "--") return;
    if (!arg.startsWith("-") || arg === "-") continue;
    const [flag = "", inlineValue] = arg.replace(/^--?/, "").split(/=(.*)/s, 2);
    const def = findFlag(flag, args);
    if (!def) throw new UsageError(`unknown option '${arg.split("=")[0]}'`);
    if (def.type === "boolean") {
      if (inlineValue !== undefined && inlineValue !== "true" && inlineValue !== "false") {
        throw new UsageError(`option '--${flag}' takes no value`);
      }
      continue;
    }
    if (inlineValue !== undefined) continue;
    const next = rawArgs[i + 1];
    if (next === undefined || (next.startsWith("-") && next !== "-")) throw new UsageError(`option '--${flag}' needs a value`);
    i++;
  }
}

function findFlag(flag: string, args: ArgsDef): ArgsDef[string] | undefined {
  const negated = flag.startsWith("no-") ? flag.slice(3) : null;
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const alias = "alias" in def ? def.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    const names = [key, key.replace(/_/g, "-"), ...aliases];
    if (names.includes(flag)) return def;
    if (negated !== null && def.type === "boolean" && names.includes(negated)) return def;
  }
  return undefined;
}

function usageLine(name: string, args: ArgsDef): string {
  const parts = [`Usage: pyorchestrate ${name}`];
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") parts.push(def.required === false ? `[${key}]` : `<${key.toUpperCase()}>`);
  }
  for (const [key, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    const hint = "valueHint" in def && def.valueHint ? ` ${def.valueHint}` : "";
    parts.push(`[--${key}${def.type === "boolean" ? "" : hint}]`);
  }
  return parts.join(" ");
}

function commandHelp(name: string, description: string, args: ArgsDef): string {
  const lines = [description, "", usageLine(name, args), ""];
  for (const [key, def] of Object.entries(args)) {
    const label = def.type === "positional" ? key.toUpperCase() : `--${key}`;
    lines.push(`  ${label.padEnd(14)} ${def.description ?? ""}`);
  }
  return lines.join("\n");
}

function rootHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    `pyorchestrate ${VERSION}: supervises agents and answers runtime commands on a UNIX socket`,
    "",
    ROOT_USAGE,
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, [description]]) => `  ${name.padEnd(width)}  ${description}`),
    "",
    "Run 'pyorchestrate <command> --help' for a command's arguments.",
    "Exit status: 0 success, 1 the orchestrator answered an error, 2 usage error, 3 orchestrator unreachable.",
  ].join("\n");
}
