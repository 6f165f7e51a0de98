// The [http] table: where the HTTP listener binds, the token that guards it, whether /metrics
// is open. Off unless `listen` is set. The token file is read (and its mode checked) here, once.

import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { boolean, describe, fail, nonEmptyString, open, read, type Section } from "./schema.ts";

export const HTTP_KEYS = ["listen", "token_file", "metrics_public"] as const;

/** Shorter tokens are too easy to guess over a network. */
export const MIN_TOKEN_LENGTH = 16;

export interface HttpConfig {
  /** An IP address (IPv6 without brackets) or a host name, as written. */
  host: string;
  /** 0 = any free port (serve logs the one it got). */
  port: number;
  /** Absolute; null = no token: the listener is on loopback and read-only. */
  token_file: string | null;
  /** The token_file's content, trimmed; null without a token_file. Never logged nor answered. */
  token: string | null;
  /** /metrics needs no token (a scraper on a private network). */
  metrics_public: boolean;
}

/** `[http]` → its settings, or null when `listen` is absent (no HTTP at all); errors go to `errors`. */
export function readHttp(raw: unknown, dir: string, errors: string[]): HttpConfig | null {
  const s = open(raw, "http", errors, HTTP_KEYS);
  const metricsPublic = read(s, "metrics_public", boolean, false);
  const tokenFile = read(s, "token_file", nonEmptyString, null);
  const token = tokenFile === null ? null : readToken(s, resolve(dir, tokenFile));
  const listen = readListen(s);
  if (listen === null) return null;
  if (tokenFile === null && !isLoopback(listen.host)) {
    fail(
      s,
      "listen",
      `without token_file the listener must be on a loopback address (127.0.0.1, [::1] or localhost) (got ${describe(s.table.listen)}); set http.token_file to listen elsewhere`,
    );
  }
  return {
    host: listen.host,
    port: listen.port,
    token_file: tokenFile === null ? null : resolve(dir, tokenFile),
    token,
    metrics_public: metricsPublic,
  };
}

/** "127.0.0.1:9180", "[::1]:9180", "localhost:9180", "0.0.0.0:9180". */
export function parseListen(text: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9][A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return null;
  const port = Number(match[3]);
  if (port > 65_535) return null;
  const host = match[1] ?? match[2] ?? "";
  if (match[1] === undefined && /^[\d.]+$/.test(host) && !isIPv4(host)) return null;
  return { host, port };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === "localhost" || lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  return isIPv4(lower) && lower.startsWith("127.");
}

function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

function readListen(s: Section): { host: string; port: number } | null {
  const value = s.table.listen;
  if (value === undefined) return null;
  const parsed = typeof value === "string" ? parseListen(value) : null;
  if (parsed) return parsed;
  fail(s, "listen", `must be "host:port", such as "127.0.0.1:9180" or "[::1]:9180" (got ${describe(value)})`);
  return null;
}

/** The token, once the file is found to be its owner's alone; null (with an error) otherwise. */
function readToken(s: Section, path: string): string | null {
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) {
      fail(s, "token_file", `${path} is not a regular file`);
      return null;
    }
    mode = stat.mode & 0o777;
  } catch (error) {
    fail(s, "token_file", `cannot read ${path} (${(error as { code?: string }).code === "ENOENT" ? "no such file" : (error as Error).message})`);
    return null;
  }
  if ((mode & 0o077) !== 0) {
    fail(s, "token_file", `${path} may be read by group or others (mode 0${mode.toString(8)}); run: chmod 600 ${path}`);
    return null;
  }
  let token: string;
  try {
    token = readFileSync(path, "utf8").trim();
  } catch (error) {
    fail(s, "token_file", `cannot read ${path} (${(error as Error).message})`);
    return null;
  }
  if (!/^[\x21-\x7e]+$/.test(token) || token.length < MIN_TOKEN_LENGTH) {
    fail(
      s,
      "token_file",
      `${path} must hold one token of at least ${MIN_TOKEN_LENGTH} printable characters without spaces (make one with: (umask 077; head -c 32 /dev/urandom | base64 > ${path}))`,
    );
    return null;
  }
  return token;
}
