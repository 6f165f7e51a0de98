// Command probes: the check's argv run as the agent runs (its cwd, its environment, behind the
// parent-death prefix so it dies with serve), leading a process group of its own. On timeout the
// group is SIGKILLed; after any run whatever the command left in its group goes too, so a check
// never leaves a process behind. Output is read to the end (a command must not block on a full
// pipe) but only a bounded head of it is kept.

import { ownChild } from "../../system/own-children.ts";
import { parentDeathPrefix } from "../parent-death.ts";
import { allPids, isLive, readStat } from "../procfs.ts";
import { clip, describeError, type ProbeContext, timedOut } from "./probe-result.ts";

/** Bytes kept of each stream, for the message; the rest is read and dropped. */
export const OUTPUT_HEAD_BYTES = 4096;
/** Once the command has exited, how long a pipe still held open (by a descendant that left the group) may delay the result. */
const DRAIN_GRACE_MS = 100;
/** How long SIGKILLed group members may take to be gone before the check stops waiting for them. */
const GONE_WITHIN_MS = 1_000;

export interface Captured {
  /** The first bytes read, at most the limit. */
  head: Uint8Array;
  /** Every byte read, kept or not. */
  total: number;
}

/** Reads a stream to its end keeping only its first `limit` bytes; `cancel()` gives up on it. */
export function captureHead(stream: ReadableStream<Uint8Array>, limit: number): { done: Promise<Captured>; cancel(): void } {
  const reader = stream.getReader();
  const head = new Uint8Array(limit);
  let kept = 0;
  let total = 0;
  const done = (async () => {
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        total += read.value.length;
        if (kept < limit) {
          const part = read.value.subarray(0, limit - kept);
          head.set(part, kept);
          kept += part.length;
        }
      }
    } catch {
      // cancelled, or the pipe broke: keep what was read
    }
    return { head: head.subarray(0, kept), total };
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}

export async function runCommandProbe(command: readonly string[], context: ProbeContext): Promise<{ ok: boolean; message: string }> {
  const [program, ...args] = command;
  if (program === undefined || program === "") return { ok: false, message: "empty command" };
  const env = { ...process.env, ...context.env };
  // Resolved here, as for agents, so a missing program is named rather than reported by a wrapper.
  const resolved = Bun.which(program, { PATH: env.PATH ?? "", cwd: context.cwd });
  if (resolved === null) return { ok: false, message: clip(`no such executable: '${program}'`) };
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn([...(context.prefix ?? parentDeathPrefix()), resolved, ...args], {
      cwd: context.cwd,
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      detached: true,
    });
  } catch (error) {
    return { ok: false, message: clip(`cannot start in ${context.cwd}: ${describeError(error)}`) };
  }
  // Bun reaps it: serve's orphan reaper must not (own-children.ts).
  ownChild(child);
  const pgid = child.pid;
  const stdout = captureHead(child.stdout, OUTPUT_HEAD_BYTES);
  const stderr = captureHead(child.stderr, OUTPUT_HEAD_BYTES);

  let timer: Timer | undefined;
  const deadline = new Promise<"timeout">((resolve) => (timer = setTimeout(resolve, context.timeoutMs, "timeout")));
  const outcome = await Promise.race([child.exited, deadline]);
  clearTimeout(timer);
  // On timeout the command itself; otherwise whatever it left running in its group.
  const signalled = killGroup(pgid);
  await child.exited;
  if (signalled) await groupGone(pgid);

  let grace: Timer | undefined;
  const drained = Promise.all([stdout.done, stderr.done]);
  await Promise.race([drained, new Promise((resolve) => (grace = setTimeout(resolve, DRAIN_GRACE_MS)))]);
  clearTimeout(grace);
  stdout.cancel();
  stderr.cancel();
  const [out, err] = await drained;

  if (outcome === "timeout") return { ok: false, message: timedOut(context.timeoutMs) };
  const detail = firstLine(err.head) ?? firstLine(out.head);
  const signal = typeof child.signalCode === "string" ? child.signalCode : null;
  const what = signal !== null ? `killed by ${signal}` : `exit ${outcome}`;
  if (outcome === 0) return { ok: true, message: what };
  return { ok: false, message: detail === undefined ? what : clip(`${what}: ${detail}`) };
}

function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL is delivered asynchronously; members of the group are not our children, so no exit event comes. */
async function groupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + GONE_WITHIN_MS;
  while (groupHasLiveMember(pgid) && Date.now() < deadline) await Bun.sleep(5);
}

function groupHasLiveMember(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // Signal 0 reaches zombies too, and they may wait long for init to reap them: only live members count.
  return allPids().some((pid) => {
    const stat = readStat(pid);
    return stat?.pgid === pgid && isLive(stat);
  });
}

const decoder = new TextDecoder();

/** The first line with something on it, or undefined. */
function firstLine(bytes: Uint8Array): string | undefined {
  for (const line of decoder.decode(bytes).split("\n")) {
    if (line.trim() !== "") return line.trim();
  }
  return undefined;
}
