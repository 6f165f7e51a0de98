// Who may use the HTTP listener. With a token: `Authorization: Bearer <token>`, or a session
// cookie the login page gives for it; both compared in constant time; a request that changes
// something must come from this origin. Without a token: anyone on this machine, read-only,
// and only under a loopback host name (a DNS-rebinding page gets nothing).

import { timingSafeEqual } from "node:crypto";
import { isLoopback } from "../config/http.ts";

export const SESSION_COOKIE = "pyorchestrate_session";
/** Every 401 waits this long: guessing stays slow, and a wrong token looks like a missing one. */
export const UNAUTHORIZED_DELAY_MS = 250;
export const SESSION_TTL_SECONDS = 12 * 3600;
const MAX_SESSIONS = 1_000;

/** How a request proved itself: no token is configured ("open"), by the token, by a session, or not at all. */
export type Credential = "open" | "token" | "session" | null;

const sha256 = (text: string): Buffer => Buffer.from(new Bun.CryptoHasher("sha256").update(text).digest());

export class Gate {
  private readonly digest: Buffer | null;
  /** sha256 of each session id → when it expires (ms); a lookup never compares secrets directly. */
  private readonly sessions = new Map<string, number>();

  constructor(
    token: string | null,
    private readonly now: () => number = Date.now,
  ) {
    this.digest = token === null ? null : sha256(token);
  }

  /** No token configured: loopback and read-only. */
  get open(): boolean {
    return this.digest === null;
  }

  /** Constant time whatever the candidate (both sides are hashed to the same length first). */
  matches(candidate: string): boolean {
    return this.digest !== null && timingSafeEqual(sha256(candidate), this.digest);
  }

  identify(request: Request): Credential {
    if (this.digest === null) return "open";
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
    if (bearer !== undefined) return this.matches(bearer) ? "token" : null;
    const session = cookie(request, SESSION_COOKIE);
    if (session === null) return null;
    const key = sha256(session).toString("hex");
    const expires = this.sessions.get(key);
    if (expires === undefined) return null;
    if (expires <= this.now()) {
      this.sessions.delete(key);
      return null;
    }
    return "session";
  }

  /** A new session; its Set-Cookie value. */
  openSession(): string {
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    const now = this.now();
    for (const [key, expires] of this.sessions) if (expires <= now) this.sessions.delete(key);
    // The oldest go first when a flood of logins would grow the table without end.
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    this.sessions.set(sha256(id).toString("hex"), now + SESSION_TTL_SECONDS * 1000);
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_SECONDS}`;
  }

  /** Ends the request's session; the Set-Cookie value that clears it. */
  closeSession(request: Request): string {
    const session = cookie(request, SESSION_COOKIE);
    if (session !== null) this.sessions.delete(sha256(session).toString("hex"));
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

/**
 * A request that changes something comes from a page of this origin. A browser always sends
 * Origin on such a request; a client that sends none (curl) is not a browser and carries the
 * token itself — except that a session cookie alone needs the Origin (it is what a browser adds).
 */
export function sameOrigin(request: Request, credential: Credential): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return credential !== "session" && request.headers.get("sec-fetch-site") !== "cross-site";
  const host = request.headers.get("host");
  if (host === null) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    // "null" (a sandboxed frame, a file) or garbage.
    return false;
  }
}

/** The Host header names this machine (localhost, 127.x.y.z, [::1]), with or without a port. */
export function loopbackHost(request: Request): boolean {
  const host = request.headers.get("host");
  if (host === null) return false;
  const name = /^\[([^\]]+)\](?::\d+)?$/.exec(host)?.[1] ?? host.replace(/:\d+$/, "");
  return isLoopback(name);
}

function cookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (header === null) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
