// The few C calls the notify protocol needs beyond libc.ts: SO_PASSCRED and the eventfd that
// wakes the receiver's thread (notify-worker.ts opens its own calls: a worker shares no module
// with the main thread), and a barrier's pipe, sendmsg and poll (notify-barrier.ts). Null where
// libc.ts could not open the C library.

import { dlopen } from "bun:ffi";
import { errno, errnoName, libc, libcProblem } from "./libc.ts";
import { SystemCallError } from "./unix-datagram.ts";

/**
 * The name both threads open. musl's loader resolves any `libc.*` name to itself (as libc.ts
 * notes), so glibc's soname serves both.
 */
export const LIBRARY = "libc.so.6";

const SYMBOLS = {
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  eventfd: { args: ["u32", "i32"], returns: "i32" },
  write: { args: ["i32", "ptr", "u64"], returns: "i64" },
  pipe2: { args: ["ptr", "i32"], returns: "i32" },
  sendmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
} as const;

const SOL_SOCKET = 1;
const SO_PASSCRED = 16;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

type NotifyLibc = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

let loaded: { calls: NotifyLibc | null; problem: string | null } | null = null;

function load(): { calls: NotifyLibc | null; problem: string | null } {
  if (!libc()) return { calls: null, problem: libcProblem() ?? "no C library" };
  try {
    return { calls: dlopen(LIBRARY, SYMBOLS).symbols, problem: null };
  } catch (error) {
    return { calls: null, problem: `cannot open ${LIBRARY} through bun:ffi: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Why the notify receiver cannot work here; null when it can. */
export function notifyLibcProblem(): string | null {
  loaded ??= load();
  return loaded.problem;
}

/** The calls above; throws SystemCallError where they cannot be had. */
export function notifyCalls(): NotifyLibc {
  loaded ??= load();
  if (!loaded.calls) throw new SystemCallError("dlopen", loaded.problem ?? "no C library");
  return loaded.calls;
}

/** Asks the kernel to attach the sender's pid/uid/gid (SCM_CREDENTIALS) to every datagram. */
export function passCredentials(fd: number): void {
  if (notifyCalls().setsockopt(fd, SOL_SOCKET, SO_PASSCRED, new Int32Array([1]), 4) !== 0) {
    throw new SystemCallError("setsockopt(SO_PASSCRED)", errnoName(errno()));
  }
}

/** A non-blocking eventfd: each write adds to a counter that poll(2) sees as readable. */
export function openWakeFd(): number {
  const fd = notifyCalls().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw new SystemCallError("eventfd", errnoName(errno()));
  return fd;
}

const ONE = new BigUint64Array([1n]);

/** Adds one to the eventfd's counter. */
export function wake(fd: number): void {
  if (notifyCalls().write(fd, ONE, 8) !== 8n) throw new SystemCallError("write(eventfd)", errnoName(errno()));
}
