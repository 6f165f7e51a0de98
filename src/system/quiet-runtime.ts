// serve's runtime without Bun's periodic garbage collections: the settings Bun reads only from the
// environment at start-up, applied by serve re-executing itself once (execve: same pid, same fds).
//
// Bun's GC timer collects about once a second for some 30 s after any activity (0.6 ms each at
// 500 agents), and JSC's block warm-up thread wakes every 10 s: an idle serve's CPU. Neither has a
// flag (--compile-exec-argv would also reach every client command) nor an API; both read the
// environment once. Collections still happen as the heap grows (bench/FOOTPRINT.md).

import { dlopen, FFIType, ptr } from "bun:ffi";
import { readFileSync } from "node:fs";
import { libcNames } from "./libc.ts";

const QUIET_ENV: Readonly<Record<string, string>> = {
  BUN_GC_TIMER_DISABLE: "1",
  BUN_JSC_useWarmUpMarkedBlocks: "0",
};
/** Set for the re-executed serve only: which of QUIET_ENV it added (the operator's own stay). */
const MARKER = "PYORCHESTRATE_QUIET_RUNTIME";

/**
 * In the re-executed serve: forgets the marker and the variables it added, so that no agent or
 * check inherits them, and returns. Otherwise replaces the process with itself (same argv, the
 * environment plus QUIET_ENV) and does not return; where it cannot (no /proc, no libc through
 * bun:ffi, execve refused), returns and serve runs on with Bun's defaults.
 */
export function quietRuntime(): void {
  const added = process.env[MARKER];
  if (added !== undefined) {
    delete process.env[MARKER];
    for (const name of added.split(",")) if (name in QUIET_ENV) delete process.env[name];
    return;
  }
  const missing = Object.keys(QUIET_ENV).filter((name) => process.env[name] === undefined);
  if (missing.length === 0 || process.platform !== "linux") return;
  try {
    // The kernel's copies, byte for byte: a compiled binary's process.argv is not its real argv.
    const argv = nulSeparated(readFileSync("/proc/self/cmdline"));
    const env = nulSeparated(readFileSync("/proc/self/environ"));
    for (const name of missing) env.push(Buffer.from(`${name}=${QUIET_ENV[name]}\0`));
    env.push(Buffer.from(`${MARKER}=${missing.join(",")}\0`));
    const execve = openExecve();
    // /proc/self/exe: the running binary's own inode, even if a newer one replaced its path.
    execve?.(Buffer.from("/proc/self/exe\0"), pointerArray(argv), pointerArray(env));
  } catch {
    // no /proc or no ffi: Bun's defaults
  }
}

function nulSeparated(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let from = 0; from < bytes.length; ) {
    let end = bytes.indexOf(0, from);
    if (end === -1) end = bytes.length;
    parts.push(Buffer.concat([bytes.subarray(from, end), Buffer.from([0])]));
    from = end + 1;
  }
  return parts;
}

/** A NULL-terminated array of pointers to `strings` (each NUL-terminated, kept alive by the caller). */
function pointerArray(strings: Buffer[]): BigUint64Array {
  const array = new BigUint64Array(strings.length + 1);
  strings.forEach((string, i) => {
    array[i] = BigInt(ptr(string));
  });
  return array;
}

function openExecve(): ((path: Buffer, argv: BigUint64Array, envp: BigUint64Array) => number) | null {
  for (const name of libcNames()) {
    try {
      const { symbols } = dlopen(name, { execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
      return (path, argv, envp) => symbols.execve(path, argv, envp) as number;
    } catch {
      // the next name
    }
  }
  return null;
}
