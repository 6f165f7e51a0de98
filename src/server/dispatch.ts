// One request → one answer (or one stream): permission, argument checks, timeout, audit, metrics.

import { COMMAND_TABLE, streams } from "../protocol/command-table.ts";
import { RUNNING_AGENT_PATTERN } from "../protocol/agents.ts";
import { COMMAND_NAMES, type CommandName, isCommandName } from "../protocol/commands.ts";
import { type Envelope, failure, type Request, success } from "../protocol/envelope.ts";
import type { WireError } from "../protocol/errors.ts";
import { OrchestratorError } from "../orchestrator/errors.ts";
import { start, stop, restart } from "./handlers/agent-control.ts";
import { run as runOnce } from "./handlers/run.ts";
import { scale } from "./handlers/scale.ts";
import { ps, status } from "./handlers/overview.ts";
import { report } from "./handlers/report.ts";
import { stats } from "./handlers/stats.ts";
import { dependencies } from "./handlers/dependencies.ts";
import { history, historyStats } from "./handlers/history.ts";
import { reload } from "./handlers/reload.ts";
import { shutdown } from "./handlers/shutdown.ts";
import { logs } from "./handlers/logs.ts";
import { type Handler, type HandlerTable, type ServerContext, STREAMED } from "./context.ts";
import type { Logger } from "./logger.ts";

const HANDLERS: HandlerTable = {
  ps,
  start,
  stop,
  restart,
  run: runOnce,
  scale,
  status,
  stats,
  report,
  shutdown,
  reload,
  dependencies,
  history,
  "history-stats": historyStats,
  logs,
};

/** `gone` is aborted once the client has closed the connection (it ends a stream). */
export type Dispatch = (request: Request, send: (envelope: Envelope) => void, gone?: AbortSignal, via?: Via) => Promise<void>;

/** A request that came another way than the socket: the audit event names it; `permits` narrows what it may run. */
export interface Via {
  transport: "http";
  peer: string | null;
  permits?: (command: CommandName) => boolean;
}

/** For callers without a connection to lose. */
const NEVER_GONE = new AbortController().signal;

/** Commands that act on (or ask about) one agent: their audit event belongs to its history. */
const actsOnAgent = (command: string): boolean => isCommandName(command) && COMMAND_TABLE[command].agent === "target";

/**
 * The agent an audit event is about. `history --agent X` only filters, so it is not X's event;
 * and only a valid name is kept: a rejected one is the client's text, of any size.
 */
function auditedAgent(command: string, agent: unknown): string | null {
  return actsOnAgent(command) && typeof agent === "string" && RUNNING_AGENT_PATTERN.test(agent) ? agent : null;
}

/** For the other commands an agent argument is a filter (history --agent): kept in the details. */
function filterOf(command: string, agent: unknown): { agent_filter?: string } {
  return !actsOnAgent(command) && typeof agent === "string" && RUNNING_AGENT_PATTERN.test(agent) ? { agent_filter: agent } : {};
}

export function createDispatch(ctx: ServerContext, log: Logger): Dispatch {
  return async (request, sendFrame, gone = NEVER_GONE, via) => {
    const startedAt = performance.now();
    // The response time is the first frame's: a stream lasts as long as its client watches.
    let answeredAt: number | null = null;
    const send = (envelope: Envelope) => {
      answeredAt ??= performance.now();
      sendFrame(envelope);
    };
    const { command } = request;
    let outcome: { ok: true } | { ok: false; error: WireError; rejected: boolean };
    try {
      if (!isCommandName(command)) {
        throw new OrchestratorError("UNKNOWN_COMMAND", `Unknown command '${command}'`, { command, available_commands: [...COMMAND_NAMES] });
      }
      if (!ctx.permitted(command) || via?.permits?.(command) === false) {
        throw new OrchestratorError("PERMISSION_DENIED", `Command '${command}' is not allowed by this orchestrator's configuration`, { command });
      }
      if (ctx.orchestrator.isShuttingDown && COMMAND_TABLE[command].changes) {
        throw new OrchestratorError("ORCHESTRATOR_BUSY", "Shutdown is under way", { command });
      }
      const timeoutMs = ctx.config.orchestrator.command_timeout * 1000;
      await run(command, request, send, ctx, timeoutMs, gone);
      outcome = { ok: true };
    } catch (error) {
      const wire = toWireError(error, command, log);
      send(failure(request.id, wire));
      outcome = { ok: false, error: wire, rejected: wire.code === "PERMISSION_DENIED" || wire.code === "UNKNOWN_COMMAND" };
    }
    const durationMs = Math.round((performance.now() - startedAt) * 1000) / 1000;
    const responseMs = answeredAt === null ? durationMs : Math.round((answeredAt - startedAt) * 1000) / 1000;
    ctx.metrics.observe(responseMs, !outcome.ok);
    ctx.orchestrator.record({
      type: !outcome.ok && outcome.rejected ? "COMMAND_REJECTED" : "COMMAND_EXECUTED",
      agent: auditedAgent(command, request.args.agent),
      severity: outcome.ok ? "INFO" : "WARNING",
      details: {
        command,
        ...filterOf(command, request.args.agent),
        result: outcome.ok ? "success" : "error",
        ...(outcome.ok ? {} : { error_code: outcome.error.code }),
        duration_ms: durationMs,
        ...(via ? { transport: via.transport, peer: via.peer } : {}),
      },
    });
  };
}

async function run(
  command: CommandName,
  request: Request,
  send: (envelope: Envelope) => void,
  ctx: ServerContext,
  timeoutMs: number,
  gone: AbortSignal,
): Promise<void> {
  const handler = HANDLERS[command] as Handler<CommandName>;
  const args = handler.parseArgs(request.args);
  const frames = (data: unknown, end: boolean) => send(success(request.id, data, { end }));
  const running = handler.run(ctx, args as never, frames as never, gone);
  const data = streams(command, args) ? await running : await withTimeout(running, timeoutMs, command);
  if (data !== STREAMED) send(success(request.id, data));
}

function withTimeout<T>(promise: Promise<T>, ms: number, command: string): Promise<T> {
  let timer: Timer | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OrchestratorError("COMMAND_TIMEOUT", `Command '${command}' did not finish within ${ms / 1000}s`, { timeout_seconds: ms / 1000 })),
      ms,
    );
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function toWireError(error: unknown, command: string, log: Logger): WireError {
  if (error instanceof OrchestratorError) return error.toWire();
  // A bug must cost one request, never the daemon.
  log.error(`command '${command}' failed unexpectedly`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return { code: "INTERNAL_ERROR", message: `Internal error while running '${command}'` };
}
