// Validation of the check targets written in the config (`tcp`, `http`, `log`), each to a value
// a probe can use or a short error for the config's key path.

import type * as Net from "node:net";

/** node:net only where a tcp target is parsed: it builds Node's stream layer, megabytes a serve without one never uses. */
const net = (): typeof Net => require("node:net");

export type TcpTarget = { ok: true; host: string; port: number } | { ok: false; error: string };
export type HttpTarget = { ok: true; url: string } | { ok: false; error: string };
export type LogPattern = { ok: true; regex: RegExp } | { ok: false; error: string };

const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
const MAX_ERROR = 200;

/** "host:port", "127.0.0.1:5432", "[::1]:5432", "localhost:80". The host comes back without brackets. */
export function parseTcpTarget(text: string): TcpTarget {
  const example = `expected host:port, such as "127.0.0.1:5432" or "[::1]:5432"`;
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1 || text[close + 1] !== ":") return { ok: false, error: example };
    host = text.slice(1, close);
    port = text.slice(close + 2);
    if (!net().isIPv6(host)) return { ok: false, error: `'${host}' is not an IPv6 address` };
  } else {
    const colon = text.lastIndexOf(":");
    if (colon === -1) return { ok: false, error: `${example}: no port` };
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (host.includes(":")) return { ok: false, error: `an IPv6 address goes in brackets: "[${host}]:${port}"` };
    if (!isHostname(host)) return { ok: false, error: `'${host}' is not a hostname or IP address` };
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return { ok: false, error: `port '${port}' is not a number from 1 to 65535` };
  }
  return { ok: true, host, port: Number(port) };
}

function isHostname(host: string): boolean {
  if (net().isIP(host) === 4) return true;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return name.length > 0 && name.length <= 253 && name.split(".").every((label) => LABEL.test(label));
}

/** An absolute http: or https: URL with a host; comes back normalized. */
export function parseHttpTarget(text: string): HttpTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `not a URL; expected one such as "http://127.0.0.1:8080/health"` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, error: `scheme '${url.protocol.slice(0, -1)}' is not http or https` };
  }
  if (url.hostname === "") return { ok: false, error: "the URL has no host" };
  return { ok: true, url: url.href };
}

/** A JavaScript regular expression (no delimiters, no flags), tested against each line of output. */
export function compileLogPattern(text: string): LogPattern {
  if (text === "") return { ok: false, error: "empty pattern (it would match every line)" };
  try {
    return { ok: true, regex: new RegExp(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: message.length <= MAX_ERROR ? message : `${message.slice(0, MAX_ERROR - 1)}…` };
  }
}
