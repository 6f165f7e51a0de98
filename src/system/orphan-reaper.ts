// Reaps the orphans this process adopted (as a child subreaper, or as PID 1) so they do not pile
// up as zombies. Never waitpid(-1): that would also take the exit status of a child Bun is
// waiting for. Instead: list our children, skip the ones Bun spawned (own-children.ts), and
// waitpid(pid, WNOHANG) each of the rest — a zombie is reaped, a live one is left alone.
//
// When to look: on SIGCHLD, which Bun passes to JS while it watches its own children through
// pidfds. Where pidfd_open is unavailable Bun waits from a thread of its own that takes SIGCHLD
// over, and JS never hears it; so until one SIGCHLD has been seen, and only while we have
// adopted children still alive, a timer looks every `pollMs`. With no adopted child, nothing runs.

import { constants } from "node:os";
import { childPids } from "./child-pids.ts";
import { errno, errnoName, libc, libcProblem } from "./libc.ts";
import { isOwnChild } from "./own-children.ts";

const WNOHANG = 1;
/** Also children that report their exit with another signal than SIGCHLD (clone(2) threads' kin). */
const __WALL = 0x40000000;

export interface OrphanReaper {
  /** Adopted children reaped so far. */
  readonly reaped: number;
  /** Looks now (the next turn of the event loop). */
  scan(): void;
  dispose(): void;
}

export interface ReaperOptions {
  /** How often to look while SIGCHLD has not been seen and adopted children are alive (default 1 s). */
  pollMs?: number;
  /** A waitpid that failed unexpectedly; once per errno. */
  onProblem?(message: string): void;
}

export function startOrphanReaper(options: ReaperOptions = {}): OrphanReaper | { problem: string } {
  const c = libc();
  if (!c) return { problem: libcProblem() ?? "no C library" };
  const pollMs = options.pollMs ?? 1_000;
  const status = new Int32Array(1);
  const reported = new Set<number>();
  let reaped = 0;
  let sigchldSeen = false;
  let pending: Timer | null = null;
  let poll: Timer | null = null;
  let disposed = false;

  const look = () => {
    pending = null;
    if (disposed) return;
    let adoptedAlive = 0;
    for (const pid of childPids()) {
      if (isOwnChild(pid)) continue;
      const result = c.waitpid(pid, status, WNOHANG | __WALL);
      if (result === pid) reaped++;
      else if (result === 0) adoptedAlive++;
      else {
        // ECHILD: reaped meanwhile (by nobody else but Bun, for a child we do not know). Others are news.
        const code = errno();
        if (code !== constants.errno.ECHILD && !reported.has(code)) {
          reported.add(code);
          options.onProblem?.(`waitpid(${pid}): ${errnoName(code)}`);
        }
      }
    }
    if (poll) clearTimeout(poll);
    poll = null;
    if (adoptedAlive > 0 && !sigchldSeen) {
      poll = setTimeout(look, pollMs);
      poll.unref();
    }
  };
  const scan = () => {
    if (pending || disposed) return;
    // Coalesces a burst of SIGCHLDs into one look; setTimeout 0 rather than setImmediate so it can be unref'd.
    pending = setTimeout(look, 0);
    pending.unref();
  };
  const onChild = () => {
    sigchldSeen = true;
    scan();
  };
  process.on("SIGCHLD", onChild);
  scan();
  return {
    get reaped() {
      return reaped;
    },
    scan,
    dispose() {
      disposed = true;
      process.off("SIGCHLD", onChild);
      if (pending) clearTimeout(pending);
      if (poll) clearTimeout(poll);
    },
  };
}
