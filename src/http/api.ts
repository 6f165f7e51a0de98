// /api/v1/<command>: one HTTP request → one request through the socket's dispatch (permissions,
// ORCHESTRATOR_BUSY, command_timeout, audit), answered with the socket's envelope. GET for the
// reading commands, POST for the changing ones; arguments from the query and/or a JSON body;
// a streamed answer (logs/history follow, stats watch, shutdown) as Server-Sent Events.

import { COMMAND_TABLE } from "../protocol/command-table.ts";
import { type ArgsOf, type CommandName, isCommandName } from "../protocol/commands.ts";
import { type Envelope, failure, type Request as WireRequest } from "../protocol/envelope.ts";
import type { ErrorCode, WireError } from "../protocol/errors.ts";
import type { Dispatch, Via } from "../server/dispatch.ts";
import type { SseChannel } from "./sse.ts";

/** As the socket caps a request line. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Agents one merged `logs` follow may name. */
export const MAX_MERGED_AGENTS = 100;

/** HTTP status of each error code (a code missing here does not compile). */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  AGENT_NOT_FOUND: 404,
  UNKNOWN_COMMAND: 404,
  PERMISSION_DENIED: 403,
  ORCHESTRATOR_BUSY: 409,
  AGENT_ALREADY_RUNNING: 409,
  AGENT_NOT_RUNNING: 409,
  DEPENDENCY_ERROR: 409,
  SPAWN_FAILED: 422,
  INVALID_REQUEST: 400,
  INVALID_ARGUMENT: 400,
  CONFIG_ERROR: 422,
  COMMAND_TIMEOUT: 504,
  INTERNAL_ERROR: 500,
  SOCKET_CONNECTION_ERROR: 502,
};

/** Every wire argument's type, so that `?lines=5` reaches the handler as 5 (an argument missing here does not compile). */
type ArgName = { [C in CommandName]: string extends keyof ArgsOf<C> ? never : keyof ArgsOf<C> & string }[CommandName];
const ARG_TYPES: Record<ArgName, "string" | "number" | "boolean"> = {
  agent: "string",
  watch: "boolean",
  interval: "number",
  last: "number",
  type: "string",
  category: "string",
  after_seq: "number",
  follow: "boolean",
  wait: "boolean",
  instances: "number",
  lines: "number",
  stream: "string",
  since: "string",
  grep: "string",
  markers: "boolean",
};

export interface ApiOptions {
  dispatch: Dispatch;
  /** The id of the next request (the envelope carries it as the socket's does). */
  nextId(): number;
  /** Opens an SSE channel, or null when too many streams are open. */
  openChannel(): SseChannel | null;
  /** A request refused before dispatch (bad body, foreign origin): audited as the socket audits a bad frame. */
  onRejected(command: string, error: WireError, peer: string | null): void;
}

export function json(envelope: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(envelope)}\n`, { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}

export function errorResponse(error: WireError, headers: Record<string, string> = {}): Response {
  return json(failure(null, error), HTTP_STATUS[error.code], headers);
}

/** The method a command takes: GET reads, POST changes; null for a name that is no command (dispatch answers it). */
export function methodOf(command: string): "GET" | "POST" | null {
  return isCommandName(command) ? (COMMAND_TABLE[command].changes ? "POST" : "GET") : null;
}

export async function handleApi(request: Request, command: string, via: Via, options: ApiOptions): Promise<Response> {
  const method = methodOf(command);
  if (method !== null && request.method !== method && !(method === "GET" && request.method === "HEAD")) {
    const error: WireError = { code: "INVALID_REQUEST", message: `'${command}' takes ${method} over HTTP`, details: { command, method } };
    return json(failure(null, error), 405, { Allow: method });
  }
  const parsed = await readArgs(request);
  if (!parsed.ok) {
    options.onRejected(command, parsed.error, via.peer);
    return errorResponse(parsed.error);
  }
  const { args, agents } = parsed;
  if (command === "logs" && agents.length > 1) return mergedLogs(args, agents, via, options);
  // ?agent=a&agent=b is the wire's "a,b" (several agents at once), which the handler checks.
  if (agents.length > 0) args.agent = agents.join(",");
  return answer({ id: options.nextId(), command, args }, via, request.signal, options);
}

/** Waits for the first frame: an error or a plain answer is JSON with its status, a stream becomes SSE. */
function answer(wire: WireRequest, via: Via, aborted: AbortSignal, options: ApiOptions): Promise<Response> {
  return new Promise((resolve) => {
    const gone = new AbortController();
    aborted.addEventListener("abort", () => gone.abort(), { once: true });
    let channel: SseChannel | null = null;
    let answered = false;
    const send = (envelope: Envelope) => {
      if (answered) {
        channel?.send(envelope);
        if (envelope.end || envelope.status === "error") channel?.close();
        return;
      }
      answered = true;
      if (envelope.stream !== true) {
        resolve(json(envelope, envelope.status === "success" ? 200 : HTTP_STATUS[envelope.error.code]));
        return;
      }
      channel = options.openChannel();
      if (!channel) {
        gone.abort();
        resolve(json(failure(wire.id, { code: "ORCHESTRATOR_BUSY", message: "too many streams are open on the HTTP listener" }), 503));
        return;
      }
      channel.signal.addEventListener("abort", () => gone.abort(), { once: true });
      channel.send(envelope);
      if (envelope.end) channel.close();
      resolve(channel.response);
    };
    void options.dispatch(wire, send, gone.signal, via).finally(() => {
      channel?.close();
      if (!answered) resolve(errorResponse({ code: "INTERNAL_ERROR", message: `'${wire.command}' gave no answer` }));
    });
  });
}

/** `logs` of several agents in one SSE stream (a browser opens only a few connections per host): each agent's frames, as they come. */
function mergedLogs(args: Record<string, unknown>, agents: string[], via: Via, options: ApiOptions): Response {
  if (args.follow !== true || agents.length > MAX_MERGED_AGENTS) {
    const message =
      args.follow !== true
        ? "several agents in one logs request need follow=true (each agent's answer is one event of the stream)"
        : `at most ${MAX_MERGED_AGENTS} agents in one logs request`;
    const error: WireError = { code: "INVALID_ARGUMENT", message, details: { argument: "agent" } };
    options.onRejected("logs", error, via.peer);
    return errorResponse(error);
  }
  const channel = options.openChannel();
  if (!channel) return json(failure(null, { code: "ORCHESTRATOR_BUSY", message: "too many streams are open on the HTTP listener" }), 503);
  const running = agents.map((agent) => {
    const send = (envelope: Envelope) => channel.send(envelope);
    return options.dispatch({ id: options.nextId(), command: "logs", args: { ...args, agent } }, send, channel.signal, via);
  });
  void Promise.allSettled(running).then(() => channel.close());
  return channel.response;
}

type ParsedArgs = { ok: true; args: Record<string, unknown>; agents: string[] } | { ok: false; error: WireError };

/** Query arguments (typed by name), then a JSON body's (which win); `agent` may repeat for a merged logs follow. */
async function readArgs(request: Request): Promise<ParsedArgs> {
  const url = new URL(request.url);
  const args: Record<string, unknown> = {};
  const agents: string[] = url.searchParams.getAll("agent");
  for (const [key, value] of url.searchParams) {
    if (key !== "agent") args[key] = typed(key, value);
  }
  if (request.method === "POST") {
    const body = await readBody(request);
    if (!body.ok) return body;
    for (const [key, value] of Object.entries(body.value)) {
      if (key === "agent") agents.splice(0, agents.length, ...(Array.isArray(value) ? value : [value]));
      else args[key] = value;
    }
  }
  // A non-string agent goes on as given: the handler names the problem (INVALID_ARGUMENT).
  if (agents.some((agent) => typeof agent !== "string")) return { ok: true, args: { ...args, agent: agents[0] }, agents: [] };
  return { ok: true, args, agents };
}

async function readBody(request: Request): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: WireError }> {
  const text = await request.text();
  if (text.trim() === "") return { ok: true, value: {} };
  if (text.length > MAX_BODY_BYTES) return { ok: false, error: { code: "INVALID_REQUEST", message: `request body over ${MAX_BODY_BYTES} bytes` } };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: "INVALID_REQUEST", message: "the request body is not JSON" } };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: { code: "INVALID_REQUEST", message: "the request body must be a JSON object of arguments" } };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** `?follow` and `?follow=true` are true; a value that is not of the argument's type goes on as text (the handler refuses it). */
function typed(key: string, value: string): unknown {
  const type = (ARG_TYPES as Record<string, string>)[key];
  if (type === "boolean") return value === "" || value === "true" || value === "1" ? true : value === "false" || value === "0" ? false : value;
  if (type === "number" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}
