// Measuring instruments for bench/run.ts and bench/soak.ts: median and percentile, wall time of a
// fresh process, CPU time from the scheduler (nanoseconds, all threads), proportional memory
// (PSS; RSS is procfs.ts's), and waiting on a condition.

import { dlopen, FFIType, type Pointer, ptr } from "bun:ffi";
import { existsSync, readdirSync, readFileSync } from "node:fs";

/** The middle value, or the mean of the two middle ones; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface Timed {
  ms: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs argv to its end, stdout and stderr read in full (as `| jq` would); ms from spawn to exit. */
export async function timedRun(argv: readonly string[], env: Record<string, string | undefined> = process.env, timeoutMs = 60_000): Promise<Timed> {
  const startedAt = performance.now();
  const child = Bun.spawn([...argv], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const ms = performance.now() - startedAt;
  clearTimeout(timer);
  return { ms, exitCode, stdout, stderr };
}

/** Runs argv and fails loudly unless it exits 0. */
export async function mustRun(argv: readonly string[], env?: Record<string, string | undefined>, timeoutMs?: number): Promise<Timed> {
  const result = await timedRun(argv, env, timeoutMs);
  if (result.exitCode !== 0) {
    throw new Error(`${argv.join(" ")} exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().slice(0, 2000)}`);
  }
  return result;
}

/** Whether `promise` settles within `ms` (its timer cleared either way, so it never keeps the bench alive). */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` (every `everyMs`) until it returns a value other than null/false; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | null | false | Promise<T | null | false>, timeoutMs: number, everyMs = 1): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== null && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    if (everyMs > 0) await Bun.sleep(everyMs);
  }
}

/**
 * CPU time (ns) the process has spent, all its threads together, those that have exited included:
 * clock_gettime on the process's CPU clock (clock id ((~pid) << 3) | 2, CPUCLOCK_SCHED), which
 * counts nanoseconds where /proc/<pid>/stat counts 10-ms ticks. Summing /proc/<pid>/task/*\/schedstat
 * instead loses the threads that end during a window (a runtime's JIT and GC helpers come and go).
 */
export function cpuNanos(pid: number): number {
  const clock = processClock();
  if (clock) {
    const time = new BigInt64Array(2);
    if (clock((~pid << 3) | 2, ptr(time)) === 0) return Number(time[0]) * 1e9 + Number(time[1]);
    return 0; // gone
  }
  let total = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tids) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "latin1").split(" ")[0]);
    } catch {
      // thread ended meanwhile
    }
  }
  return total;
}

let clockGettime: ((id: number, time: Pointer) => number) | null | undefined;

function processClock(): ((id: number, time: Pointer) => number) | null {
  if (clockGettime === undefined) {
    try {
      const libc = dlopen("libc.so.6", { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
      clockGettime = (id, time) => libc.symbols.clock_gettime(id, time) as number;
    } catch {
      clockGettime = null;
    }
  }
  return clockGettime;
}

/** Proportional set size in bytes (shared pages split among their users), or 0 when gone. */
export function pssBytes(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "latin1"));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Gone means reaped: no /proc entry at all (a zombie still counts as there). */
export function reaped(pid: number): boolean {
  return !existsSync(`/proc/${pid}`);
}

/** Direct children of `pid` (all its threads'), from /proc/<pid>/task/<tid>/children. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tids) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").split(" "))
        if (child !== "" && child !== "\n") children.push(Number(child));
    } catch {
      // thread ended meanwhile
    }
  }
  return children;
}

/** Kills `pid` (SIGKILL) if it is still there; true when a signal was sent. */
export function killPid(pid: number | null | undefined, signal: NodeJS.Signals = "SIGKILL"): boolean {
  if (!pid || pid <= 1 || pid === process.pid) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export const fmt = {
  ms(ms: number): string {
    if (!Number.isFinite(ms)) return "–";
    if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
    if (ms >= 100) return `${ms.toFixed(0)} ms`;
    if (ms >= 10) return `${ms.toFixed(1)} ms`;
    return `${ms.toFixed(2)} ms`;
  },
  mb(bytes: number): string {
    return Number.isFinite(bytes) ? `${(bytes / 1e6).toFixed(1)} MB` : "–";
  },
  pct(value: number): string {
    if (!Number.isFinite(value)) return "–";
    return value < 0.1 ? `${value.toFixed(3)} %` : `${value.toFixed(2)} %`;
  },
  ratio(value: number): string {
    return Number.isFinite(value) ? `${value.toFixed(2)}×` : "–";
  },
  /** A change, with its sign: "+3", "-1.5". */
  signed(value: number, digits = 0): string {
    return `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
  },
};
