// A real serve (the compiled binary) with its [http] listener on a free port, and ways to talk
// to it: fetch with or without the token, the envelope of a command, an SSE stream read frame by frame.

import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Envelope } from "../../src/protocol/envelope.ts";
import { type Served, type ServeOptions, serve, tempDir } from "./serve.ts";
import { waitFor } from "./wait.ts";

export const TOKEN = "test-token-0123456789abcdef";

export interface HttpServed extends AsyncDisposable {
  served: Served;
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** The Host header a browser on this machine sends: 127.0.0.1:PORT. */
  host: string;
  /** fetch(url + path); with `token`, the Authorization header carries it. */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** One command over HTTP, with the token (unless `token` says otherwise): status and envelope. */
  api(
    command: string,
    args?: Record<string, unknown>,
    init?: { method?: string; token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; envelope: Envelope }>;
}

export interface HttpServeOptions extends ServeOptions {
  /** Write a token file and guard the listener with it (default true). */
  token?: boolean;
  /** More lines for the [http] table. */
  http?: string;
}

export async function serveHttp(agents: string, options: HttpServeOptions = {}): Promise<HttpServed> {
  const dir = options.dir ?? tempDir();
  const withToken = options.token !== false;
  if (withToken) {
    writeFileSync(join(dir, "token"), `${TOKEN}\n`);
    chmodSync(join(dir, "token"), 0o600);
  }
  const table = `[http]\nlisten = "127.0.0.1:0"\n${withToken ? 'token_file = "token"\n' : ""}${options.http ?? ""}\n\n`;
  const served = await serve(`${table}${agents}`, { ...options, dir });
  const url = await waitFor(() => /http listening on (http:\/\/[^/\s]+)\//.exec(served.stderr())?.[1], "the http listener's address");
  const host = url.replace(/^http:\/\//, "");
  const fetchIt = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = withToken ? TOKEN : null, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    return fetch(`${url}${path}`, { redirect: "manual", ...rest, headers });
  };
  return {
    served,
    url,
    host,
    fetch: fetchIt,
    async api(command, args = {}, init = {}) {
      const method = init.method ?? "GET";
      const query =
        method === "GET" && Object.keys(args).length > 0
          ? `?${new URLSearchParams(Object.entries(args).map(([k, v]): [string, string] => [k, String(v)]))}`
          : "";
      const response = await fetchIt(`/api/v1/${command}${query}`, {
        method,
        token: init.token,
        headers: { ...(method === "POST" ? { "Content-Type": "application/json" } : {}), ...init.headers },
        body: method === "POST" ? JSON.stringify(args) : undefined,
      });
      return { status: response.status, envelope: (await response.json()) as Envelope };
    },
    [Symbol.asyncDispose]: () => served[Symbol.asyncDispose](),
  };
}

/** The events of an SSE response, one at a time: `next()` resolves to the next `{ event, data }`. */
export function sseReader(response: Response): { next(timeoutMs?: number): Promise<{ event: string; data: unknown }>; close(): Promise<void> } {
  if (!response.body) throw new Error("no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const queue: { event: string; data: unknown }[] = [];
  // A read still pending when a wait timed out: the next wait takes it over (its chunk is not lost).
  let pending: ReturnType<typeof reader.read> | null = null;
  return {
    async next(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const split = buffer.indexOf("\n\n");
        if (split !== -1) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) queue.push({ event, data: JSON.parse(data.join("\n")) });
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no SSE event in time");
        let timer: Timer | undefined;
        pending ??= reader.read();
        const chunk = await Promise.race([
          pending,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("no SSE event in time")), left);
          }),
        ]).finally(() => clearTimeout(timer));
        pending = null;
        if (chunk.done) throw new Error("the SSE stream ended");
        buffer += chunk.value;
      }
      return queue.shift() as { event: string; data: unknown };
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}
