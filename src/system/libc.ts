// The C library through bun:ffi, for the few calls Bun has no API for: prctl, waitpid, unix
// datagram sockets, CLOCK_MONOTONIC. Opened on first use; where it cannot be (not Linux, no
// ffi, no libc under a known name) `libc()` is null and `libcProblem()` says why, and callers
// go on without the facility.

import { dlopen, type Pointer, read } from "bun:ffi";
import { constants } from "node:os";

const SYMBOLS = {
  // Variadic in C; declared with its four optional arguments, which both x86-64 and arm64 pass
  // in the same registers as fixed ones.
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  sendto: { args: ["i32", "ptr", "u64", "i32", "ptr", "u32"], returns: "i64" },
  recv: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
  clock_gettime: { args: ["i32", "ptr"], returns: "i32" },
  // errno is per thread; glibc and musl both export its address under this name.
  __errno_location: { args: [], returns: "ptr" },
} as const;

function open(name: string) {
  return dlopen(name, SYMBOLS).symbols;
}

export type Libc = ReturnType<typeof open>;

let loaded: { libc: Libc | null; problem: string | null } | null = null;

/**
 * glibc's soname first; musl resolves any `libc.*` name to itself, and also ships it as
 * libc.musl-<arch>.so.1 (Alpine).
 */
export function libcNames(): string[] {
  const arch = process.arch === "arm64" ? "aarch64" : process.arch === "x64" ? "x86_64" : process.arch;
  return ["libc.so.6", `libc.musl-${arch}.so.1`, "libc.so"];
}

function load(): { libc: Libc | null; problem: string | null } {
  if (process.platform !== "linux") return { libc: null, problem: `not Linux (${process.platform})` };
  const failures: string[] = [];
  for (const name of libcNames()) {
    try {
      return { libc: open(name), problem: null };
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { libc: null, problem: `cannot open the C library through bun:ffi (${failures.join("; ")})` };
}

export function libc(): Libc | null {
  loaded ??= load();
  return loaded.libc;
}

/** Why `libc()` is null; null when it is not. */
export function libcProblem(): string | null {
  loaded ??= load();
  return loaded.problem;
}

/** errno of the calling (main) thread: read it right after the call that failed. */
export function errno(): number {
  const where = libc()?.__errno_location();
  return typeof where === "number" ? read.i32(where as Pointer, 0) : 0;
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, code]) => [code, name]));

/** `EPERM`, `ENOENT`… for an errno value (`errno 123` for one without a name). */
export function errnoName(code: number): string {
  return ERRNO_NAMES.get(code) ?? `errno ${code}`;
}
