// When serve dies — even by SIGKILL or the OOM killer — what it started dies at once with it: one
// small watchdog per serve, a `sh` in its own session (so a Ctrl+C or a kill of serve's group
// does not reach it), reading a pipe whose other end only serve holds (Bun's pipes are CLOEXEC:
// no agent inherits it). serve tells it each agent's process group as it starts and ends; at
// end of file, serve is gone, and the guard SIGKILLs those groups, then every process whose
// environment carries this serve's id (descendants that left their group with setsid), until
// none is left. This replaces a `setpriv --pdeathsig` exec in front of every agent (one exec
// fewer per start) and also ends the descendants, which a parent-death signal cannot.
// The next serve's leftover sweep (orchestrator/leftovers.ts) stays the second line, for a
// guard that was killed along with serve.

import type { Subprocess } from "bun";
import { ownChild } from "./own-children.ts";

/** What the supervisor tells the guard (orchestrator/ports.ts GroupTracker). */
export interface DeathGuard {
  readonly pid: number;
  track(pgid: number): void;
  untrack(pgid: number): void;
  /** serve's own orderly end: the guard finds nothing left to end and exits. */
  close(): Promise<void>;
}

// dash and bash alike. The id comes in the environment, never in argv, so nothing here matches
// a `pkill -f pyorchestrate` meant for serve. `kill -KILL -N` signals group N (dash takes no `--`).
const SCRIPT = `
groups=' '
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#?} " ;;
    -*) p=\${line#?}; case $groups in *" $p "*) groups="\${groups%% $p *} \${groups#* $p }" ;; esac ;;
  esac
done
for p in $groups; do kill -KILL -$p 2>/dev/null; done
n=0
while [ $n -lt 50 ]; do
  # grep says 2 when a process vanished mid-scan, matches or not: only its output counts.
  found=$(grep -lszxF "$GUARD_MATCH" /proc/[0-9]*/environ)
  [ -n "$found" ] || exit 0
  for f in $found; do p=\${f#/proc/}; kill -KILL "\${p%/environ}" 2>/dev/null; done
  n=$((n + 1))
done
`;

/** Starts the guard for the serve whose agents carry `match` (NAME=id) in their environment. */
export function startDeathGuard(match: string, onLost: (why: string) => void): DeathGuard | { problem: string } {
  const sh = Bun.which("sh", { PATH: "/usr/bin:/bin" }) ?? Bun.which("sh");
  if (!sh) return { problem: "no sh to run the death guard" };
  let proc: Subprocess<"pipe", "ignore", "ignore">;
  try {
    proc = Bun.spawn([sh, "-c", SCRIPT], {
      env: { PATH: "/usr/bin:/bin", GUARD_MATCH: match },
      stdin: "pipe",
      stdout: "ignore",
      stderr: "ignore",
      // setsid(): its own session and group, out of reach of signals meant for serve's group.
      detached: true,
    });
  } catch (error) {
    return { problem: `cannot start the death guard: ${error instanceof Error ? error.message : String(error)}` };
  }
  // Bun reaps it: serve's orphan reaper must not (own-children.ts).
  ownChild(proc);
  let closing = false;
  let pending = "";
  let scheduled = false;
  // One write per turn of the event loop: a start of 500 agents is one write, not 500.
  const flush = () => {
    scheduled = false;
    if (closing || pending === "") return;
    try {
      proc.stdin.write(pending);
      proc.stdin.flush();
    } catch {
      // The guard is gone: its exit handler says so.
    }
    pending = "";
  };
  const send = (line: string) => {
    pending += line;
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  proc.exited.then((code) => {
    if (!closing) onLost(`the death guard (pid ${proc.pid}) ended (status ${code}): if serve is killed now, its agents run on until the next serve ends them`);
  });
  // Never what keeps serve alive.
  proc.unref();
  return {
    pid: proc.pid,
    track: (pgid) => send(`+${pgid}\n`),
    untrack: (pgid) => send(`-${pgid}\n`),
    async close() {
      flush();
      closing = true;
      try {
        await proc.stdin.end();
      } catch {
        // already gone
      }
      await Promise.race([proc.exited, Bun.sleep(2_000)]);
    },
  };
}
