// Argument groups shared by the client commands, and their resolution into call options.

import type { ArgsDef } from "citty";
import { UsageError } from "./errors.ts";
import { type Format, resolveFormat } from "./output.ts";

export const DEFAULT_SOCKET = "/tmp/pyorchestrate.sock";
const DEFAULT_TIMEOUT_SECONDS = 10;

export const clientArgs = {
  socket: { type: "string", description: "Orchestrator socket (else PYORCHESTRATE_SOCKET, else /tmp/pyorchestrate.sock)", valueHint: "path" },
  format: { type: "string", description: "Output format: table (terminal default) or json (default when piped)", valueHint: "table|json" },
  json: { type: "boolean", description: "Same as --format json" },
  timeout: {
    type: "string",
    description: `Seconds to wait for an answer (default ${DEFAULT_TIMEOUT_SECONDS}; 60 for stop, restart and shutdown)`,
    valueHint: "seconds",
  },
} as const satisfies ArgsDef;

export interface ClientOptions {
  socketPath: string;
  format: Format;
  timeoutMs: number;
  /** Positionals left once the socket path is taken out. */
  positionals: string[];
}

type ClientArgValues = { _: string[]; socket?: string; format?: string; json?: boolean; timeout?: string };

/** A positional that names a socket rather than an agent: the reference's `pyorchestrate ps /tmp/x.sock`. */
export function looksLikeSocket(value: string): boolean {
  return value.includes("/") || value.endsWith(".sock");
}

export function clientOptions(args: ClientArgValues, defaultTimeoutSeconds = DEFAULT_TIMEOUT_SECONDS): ClientOptions {
  const positionals = [...args._];
  const socketIndex = positionals.findIndex(looksLikeSocket);
  const positionalSocket = socketIndex === -1 ? undefined : positionals.splice(socketIndex, 1)[0];
  const socketPath = args.socket || positionalSocket || process.env.PYORCHESTRATE_SOCKET || DEFAULT_SOCKET;
  let timeoutSeconds = defaultTimeoutSeconds;
  if (args.timeout !== undefined) {
    timeoutSeconds = Number(args.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      throw new UsageError(`--timeout must be a positive number of seconds (got '${args.timeout}')`);
    }
  }
  return { socketPath, format: resolveFormat(args), timeoutMs: timeoutSeconds * 1000, positionals };
}

/** Takes exactly the expected positionals (agent names) or says what is wrong. */
export function takePositionals(options: ClientOptions, names: { required: string[]; optional?: string[] }): Record<string, string | undefined> {
  const { positionals } = options;
  const optional = names.optional ?? [];
  if (positionals.length < names.required.length) {
    throw new UsageError(
      `missing ${names.required
        .slice(positionals.length)
        .map((n) => n.toUpperCase())
        .join(", ")}`,
    );
  }
  if (positionals.length > names.required.length + optional.length) {
    throw new UsageError(`unexpected argument '${positionals[names.required.length + optional.length]}'`);
  }
  const result: Record<string, string | undefined> = {};
  [...names.required, ...optional].forEach((name, index) => {
    result[name] = positionals[index];
  });
  return result;
}

/**
 * One or more agents (names, `all`, `@group`), as the `agent` argument carries them: one name as
 * it is, several joined with commas (no agent name holds a comma).
 */
export function takeAgents(options: ClientOptions): string {
  const { positionals } = options;
  if (positionals.length === 0) throw new UsageError("missing AGENT (a name, several names, all, or @group)");
  return positionals.join(",");
}

/** stop and restart wait for agents to exit (stop_timeout), so they wait longer by default. */
export const SLOW_COMMAND_TIMEOUT_SECONDS = 60;

/**
 * --format and --json for the offline commands (validate, version): their text stays the default
 * when piped too, as CI logs and scripts have always read it; JSON only when asked for.
 */
export const offlineFormatArgs = {
  format: { type: "string", description: "Output format: table (default, piped or not) or json", valueHint: "table|json" },
  json: clientArgs.json,
} as const satisfies ArgsDef;

export function offlineFormat(args: { format?: string; json?: boolean }): Format {
  return args.json || args.format !== undefined ? resolveFormat(args) : "table";
}
