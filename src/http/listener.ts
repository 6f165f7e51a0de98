// The HTTP face (off unless [http] listen is set): Bun.serve, the routes, the gate in front of
// everything but the login page and the static assets, and security headers on every answer.

import type { Server } from "bun";
import type { HttpConfig } from "../config/http.ts";
import { isLoopback } from "../config/http.ts";
import { presetCommands } from "../protocol/command-table.ts";
import { COMMAND_NAMES, type CommandName } from "../protocol/commands.ts";
import { wireTimestamp } from "../protocol/envelope.ts";
import type { WireError } from "../protocol/errors.ts";
import type { ServerContext } from "../server/context.ts";
import type { Dispatch, Via } from "../server/dispatch.ts";
import type { Logger } from "../server/logger.ts";
import { type ApiOptions, errorResponse, handleApi, json, MAX_BODY_BYTES, methodOf } from "./api.ts";
import { type Credential, Gate, loopbackHost, sameOrigin, UNAUTHORIZED_DELAY_MS } from "./auth.ts";
import { EventCounters } from "./counters.ts";
import { asset } from "./dashboard/assets.ts";
import { indexPage, loginPage } from "./dashboard/pages.ts";
import { Feed } from "./feed.ts";
import { renderMetrics } from "./metrics.ts";
import { CONTENT_TYPE } from "./prometheus.ts";
import { SseChannel } from "./sse.ts";
import { UsageSampler } from "./usage.ts";

/** SSE streams (API streams and dashboard feeds) open at once on one listener. */
const MAX_STREAMS = 64;

const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  // Not no-referrer: a form POST would then carry "Origin: null", which the origin check must refuse.
  "Referrer-Policy": "same-origin",
};

export interface HttpOptions {
  settings: HttpConfig;
  ctx: ServerContext;
  /** The socket's dispatch (createDispatch): the same permissions, timeouts and audit. */
  dispatch: Dispatch;
  log: Logger;
}

export interface HttpListener {
  /** Where it listens, with the port it got: http://127.0.0.1:9180/ */
  url: string;
  /** Ends every stream and stops listening. */
  close(): Promise<void>;
}

/** Throws when the address cannot be bound (in use, not this machine's). */
export function startHttp({ settings, ctx, dispatch, log }: HttpOptions): HttpListener {
  const gate = new Gate(settings.token);
  const usage = new UsageSampler(ctx.orchestrator);
  const counters = new EventCounters(ctx.orchestrator.events);
  const feed = new Feed(ctx.orchestrator, usage);
  const channels = new Set<SseChannel>();
  // Without a token the listener is read-only: the monitoring preset, whatever allowed_commands says.
  const monitoring: ReadonlySet<CommandName> = new Set(presetCommands("monitoring"));
  const permits = (command: CommandName) => !gate.open || monitoring.has(command);
  const permitted = (command: CommandName) => ctx.permitted(command) && permits(command);
  let ids = 0;
  const refusals = refusalLog(log);

  const api: ApiOptions = {
    dispatch,
    nextId: () => ++ids,
    openChannel() {
      if (channels.size >= MAX_STREAMS) return null;
      const channel = new SseChannel();
      channels.add(channel);
      channel.signal.addEventListener("abort", () => channels.delete(channel), { once: true });
      return channel;
    },
    onRejected(command, error, peer) {
      ctx.orchestrator.record({
        type: "COMMAND_REJECTED",
        agent: null,
        severity: "WARNING",
        details: { ...(methodOf(command) ? { command } : {}), reason: error.message, error_code: error.code, transport: "http", peer },
      });
    },
  };

  const route = async (request: Request, server: Server<undefined>): Promise<Response> => {
    const url = new URL(request.url);
    const peer = server.requestIP(request)?.address ?? null;
    // A page on another site that resolves its own name to 127.0.0.1 (DNS rebinding) names itself in Host.
    if (gate.open && !loopbackHost(request)) return text("this listener answers only under a loopback host name (localhost, 127.0.0.1, [::1])\n", 403);
    const credential = gate.identify(request);
    const path = url.pathname;

    if (path.startsWith("/assets/")) return asset(path.slice("/assets/".length)) ?? text("not found\n", 404);
    if (path === "/login") return login(request, credential);
    if (path === "/logout" && request.method === "POST") {
      if (!sameOrigin(request, credential)) return text("cross-origin request refused\n", 403);
      return redirect("/login", { "Set-Cookie": gate.closeSession(request) });
    }
    if (path === "/metrics") {
      if (credential === null && !settings.metrics_public) return unauthorized(peer, "text");
      return new Response(renderMetrics({ orchestrator: ctx.orchestrator, usage, counters, version: ctx.version }), {
        headers: { "Content-Type": CONTENT_TYPE, "Cache-Control": "no-store" },
      });
    }
    if (path === "/" || path === "/index.html") {
      if (credential === null) return redirect("/login");
      return html(indexPage(ctx.config.orchestrator.name, !gate.open));
    }
    if (credential === null) return unauthorized(peer, "json");
    if (path === "/ui/session") {
      const changing = COMMAND_NAMES.filter((name) => methodOf(name) === "POST");
      return json({ name: ctx.config.orchestrator.name, version: ctx.version, read_only: gate.open, permitted: COMMAND_NAMES.filter(permitted), changing });
    }
    if (path === "/ui/feed") {
      if (!permitted("ps"))
        return errorResponse({ code: "PERMISSION_DENIED", message: "the dashboard feed needs 'ps' to be allowed", details: { command: "ps" } });
      const channel = api.openChannel();
      if (!channel) return text("too many streams are open on the HTTP listener\n", 503);
      server.timeout(request, 0);
      feed.attach(channel);
      return channel.response;
    }
    const command = /^\/api\/v1\/([^/]+)$/.exec(path)?.[1];
    if (command === undefined) return text("not found\n", 404);
    let name: string;
    try {
      name = decodeURIComponent(command);
    } catch {
      return errorResponse({ code: "INVALID_REQUEST", message: "the command name in the path is not valid percent-encoding" });
    }
    if (request.method !== "GET" && request.method !== "HEAD" && !sameOrigin(request, credential)) {
      const error: WireError = {
        code: "PERMISSION_DENIED",
        message: "cross-origin request refused (its Origin is not this listener's)",
        details: { command: name },
      };
      api.onRejected(name, error, peer);
      return errorResponse(error);
    }
    // Commands run up to command_timeout (stop, restart: longer) and streams for as long as they are read.
    server.timeout(request, 0);
    const via: Via = { transport: "http", peer, permits };
    return handleApi(request, name, via, api);
  };

  const login = async (request: Request, credential: Credential): Promise<Response> => {
    if (gate.open) return redirect("/");
    if (request.method !== "POST") return html(loginPage(ctx.config.orchestrator.name, null));
    if (!sameOrigin(request, credential)) return text("cross-origin request refused\n", 403);
    const form = await request.formData().catch(() => null);
    const token = form?.get("token");
    if (typeof token === "string" && gate.matches(token.trim())) return redirect("/", { "Set-Cookie": gate.openSession() });
    await Bun.sleep(UNAUTHORIZED_DELAY_MS);
    return html(loginPage(ctx.config.orchestrator.name, "That token is not the one in the token file."), 401);
  };

  const unauthorized = async (peer: string | null, as: "json" | "text"): Promise<Response> => {
    refusals(peer);
    await Bun.sleep(UNAUTHORIZED_DELAY_MS);
    const headers = { "WWW-Authenticate": 'Bearer realm="pyorchestrate"' };
    if (as === "text") return text("a valid token is required (Authorization: Bearer <token>)\n", 401, headers);
    const error = { code: "UNAUTHORIZED", message: "a valid token is required (Authorization: Bearer <token>, or log in at /login)" };
    return json({ id: null, status: "error", error, timestamp: wireTimestamp() }, 401, headers);
  };

  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname: settings.host,
      port: settings.port,
      idleTimeout: 30,
      maxRequestBodySize: MAX_BODY_BYTES,
      development: false,
      fetch: async (request, srv) => secure(await route(request, srv)),
      error: (error) => {
        log.error(`http: ${error.stack ?? error.message}`);
        return secure(text("internal error\n", 500));
      },
    });
  } catch (error) {
    feed.dispose();
    counters.dispose();
    throw error;
  }
  usage.start();
  if (!isLoopback(settings.host) && settings.token !== null) {
    log.warn(`http: ${settings.host} is not a loopback address and HTTP is plain text: the token crosses the network readable; put a TLS proxy in front`);
  }

  return {
    url: server.url.href,
    async close() {
      usage.stop();
      feed.dispose();
      counters.dispose();
      for (const channel of channels) channel.close();
      await server.stop(true);
    },
  };
}

/** The listener, or null when it cannot be opened (the reason is logged): serve then stops before starting anything. */
export function openHttp(options: HttpOptions): HttpListener | null {
  const { host, port, token } = options.settings;
  try {
    const listener = startHttp(options);
    options.log.info(`http listening on ${listener.url}${token === null ? " (read-only: no token_file)" : ""}`);
    return listener;
  } catch (error) {
    const where = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    options.log.error(`cannot open the HTTP listener on ${where}: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

function secure(response: Response): Response {
  for (const [key, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(key, value);
  if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
  return response;
}

function text(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}

function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { Location: location, ...headers } });
}

/** A warning for the first refused request, then at most one a minute with the count in between. */
function refusalLog(log: Logger): (peer: string | null) => void {
  let last = 0;
  let skipped = 0;
  return (peer) => {
    const now = Date.now();
    if (now - last < 60_000) {
      skipped++;
      return;
    }
    const more = skipped > 0 ? ` (and ${skipped} more since the last such line)` : "";
    log.warn(`http: refused a request from ${peer ?? "an unknown address"} without a valid token${more}`);
    last = now;
    skipped = 0;
  };
}
