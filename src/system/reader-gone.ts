// Whether the reader of a pipe we write to has gone (`pyorchestrate logs -f | head -1` after head
// exits), noticed without writing: a quiet stream writes nothing, so no EPIPE would ever tell. The
// kernel flags the write end of a pipe whose read end is closed with POLLERR (a socket's with
// POLLHUP); poll(2) with no events asked for reports exactly those.

import { dlopen } from "bun:ffi";
import { fstatSync } from "node:fs";
import { libcNames } from "./libc.ts";

const POLLERR = 0x008;
const POLLHUP = 0x010;
/** How often a quiet stream looks: the reader is noticed gone within this long. */
const CHECK_MS = 100;

type Poll = (fds: Int16Array, count: number, timeoutMs: number) => number;

function openPoll(): Poll | null {
  for (const name of libcNames()) {
    try {
      const { symbols } = dlopen(name, { poll: { args: ["ptr", "u64", "i32"], returns: "i32" } });
      return (fds, count, timeoutMs) => symbols.poll(fds, count, timeoutMs);
    } catch {
      // the next name
    }
  }
  return null;
}

/**
 * Calls `gone` once the reader of `fd` (a pipe or socket) has closed its end; a terminal or a file
 * has no such reader and is not watched. Returns the function that stops watching.
 */
export function whenReaderGone(fd: number, gone: () => void): () => void {
  let stat: ReturnType<typeof fstatSync>;
  try {
    stat = fstatSync(fd);
  } catch {
    return () => {};
  }
  if (!stat.isFIFO() && !stat.isSocket()) return () => {};
  const poll = openPoll();
  if (poll === null) return () => {};
  // struct pollfd { int fd; short events; short revents; }: events 0, only the conditions always reported.
  const entry = new Int16Array(4);
  const view = new DataView(entry.buffer);
  view.setInt32(0, fd, true);
  const timer = setInterval(() => {
    view.setInt16(6, 0, true);
    if (poll(entry, 1, 0) > 0 && (view.getInt16(6, true) & (POLLERR | POLLHUP)) !== 0) {
      clearInterval(timer);
      gone();
    }
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
