// What a probe reports, and the few helpers every probe kind uses to say it in a few words.

export type ProbeSpec = { kind: "command"; command: string[] } | { kind: "tcp"; host: string; port: number } | { kind: "http"; url: string };

export interface ProbeContext {
  /** The whole check, spawn or connect to last byte, must end within this. */
  timeoutMs: number;
  /** The agent's working directory (command probes). */
  cwd: string;
  /** The agent's variables, laid over serve's own environment as the agent's are (command probes). */
  env: Record<string, string | undefined>;
  /** Prepended to a command probe's argv; default parentDeathPrefix() (parent-death.ts), as for agents. */
  prefix?: readonly string[];
}

export interface ProbeResult {
  ok: boolean;
  /** A few words for `ps` and events: "exit 0", "HTTP 503", "ECONNREFUSED", "timed out after 1s". */
  message: string;
  durationMs: number;
}

/** Longest message a probe reports (a line of stderr, an error text). */
export const MAX_MESSAGE = 200;

/** "250ms", "1s", "1.5s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Number((ms / 1000).toFixed(2))}s`;
}

export function timedOut(timeoutMs: number): string {
  return `timed out after ${formatMs(timeoutMs)}`;
}

/** One line, at most MAX_MESSAGE characters. */
export function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= MAX_MESSAGE ? line : `${line.slice(0, MAX_MESSAGE - 1)}…`;
}

/** An error in a few words: its code when it has a textual one (ECONNREFUSED, ENOTFOUND), else its message. */
export function describeError(error: unknown): string {
  if (error instanceof Error || (typeof error === "object" && error !== null)) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === "string" && code !== "") return code;
    if (typeof message === "string" && message !== "") return clip(message);
  }
  return clip(String(error));
}

/** Runs a probe body and times it; whatever it throws becomes a failed result. */
export async function timed(body: () => Promise<{ ok: boolean; message: string }>): Promise<ProbeResult> {
  const start = performance.now();
  let outcome: { ok: boolean; message: string };
  try {
    outcome = await body();
  } catch (error) {
    outcome = { ok: false, message: describeError(error) };
  }
  return { ...outcome, durationMs: Math.round(performance.now() - start) };
}
