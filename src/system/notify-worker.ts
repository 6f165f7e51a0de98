// The notify receiver's thread (notify-receiver.ts starts it): blocked in poll(2) over the open
// sockets and a wake eventfd, it drains each readable socket with recvmsg(2) and posts every
// datagram that carries SCM_CREDENTIALS to the main thread. It runs from a blob: URL holding
// this file's text, so the compiled binary needs no second entry point — which is why it imports
// nothing but bun:ffi.
//
// Commands arrive as messages, each announced by one eventfd increment written after it was
// posted. The thread polls only once every announced command has been applied, so it never
// waits on a socket set that is out of date.
//
// Descriptors a sender attaches (SCM_RIGHTS) are held until the main thread has handled the
// batch they came in, then closed: that is sd_notify_barrier(3)'s protocol (systemd-notify sends
// BARRIER=1 with a pipe and waits for it to close), so a sender that waits on a barrier is still
// alive — and its pid still names it — while serve looks at the message it sent before.

import { dlopen, type Pointer, ptr, read } from "bun:ffi";

export type WorkerCommand =
  | { op: "init"; library: string; wakeFd: number }
  | { op: "add"; id: number; fd: number }
  | { op: "remove"; id: number }
  | { op: "release"; batch: number }
  | { op: "stop" };

export interface ReceivedDatagram {
  id: number;
  pid: number;
  uid: number;
  gid: number;
  /** The first NOTIFY_MAX_BYTES, decoded as UTF-8. */
  text: string;
  /** The datagram was longer than what was read. */
  truncated: boolean;
}

/**
 * `release`: the batch whose descriptors the thread holds until told to release them (0: none).
 * `closed`: the thread closed every socket it was given before it stopped.
 */
export type WorkerReport = { datagrams: ReceivedDatagram[]; release: number } | { fatal: string; closed: boolean };

const SYMBOLS = {
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  read: { args: ["i32", "ptr", "u64"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const;

const EINTR = 4;
const POLLIN = 0x1;
const POLLNVAL = 0x20;
const MSG_TRUNC = 0x20;
const MSG_DONTWAIT = 0x40;
const MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const SCM_CREDENTIALS = 2;
/** notify-fields.ts's NOTIFY_MAX_BYTES (this file imports nothing of ours). */
const DATAGRAM_BYTES = 4096;
/** Credentials (32 bytes) and room for descriptors a sender attaches (the kernel closes any beyond). */
const CONTROL_BYTES = 256;
/** Attached descriptors held at most, all batches together; beyond, they are closed at once. */
const HELD_MAX = 256;
/** Datagrams taken from one socket before the others get their turn. */
const BATCH = 256;

type Calls = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];

declare const self: { onmessage: ((event: MessageEvent<WorkerCommand>) => void) | null; postMessage(report: WorkerReport): void };

let c: Calls | null = null;
let wakeFd = -1;
const sockets = new Map<number, number>();
let announced = 0;
let applied = 0;
let stopped = false;
/** Attached descriptors by the batch they came in; `arriving` for the batch being received. */
const held = new Map<number, number[]>();
let heldCount = 0;
let arriving: number[] = [];
let nextBatch = 1;

// struct msghdr and struct iovec of LP64 Linux (x86-64, arm64; musl pads its narrower fields to
// the same offsets), pointing at buffers that live as long as the thread.
const data = new Uint8Array(DATAGRAM_BYTES);
const control = new Uint8Array(CONTROL_BYTES);
const controlView = new DataView(control.buffer);
const iovec = new DataView(new ArrayBuffer(16));
const msghdrBytes = new Uint8Array(56);
const msghdr = new DataView(msghdrBytes.buffer);
const counter = new BigUint64Array(1);
let pollfdBytes = new Uint8Array(8);
let pollfds = new DataView(pollfdBytes.buffer);
let polled: number[] = [];
let socketsChanged = true;
const decoder = new TextDecoder();

function prepare(): void {
  iovec.setBigUint64(0, BigInt(ptr(data)), true);
  iovec.setBigUint64(8, BigInt(DATAGRAM_BYTES), true);
  msghdr.setBigUint64(16, BigInt(ptr(iovec)), true);
  msghdr.setBigUint64(24, 1n, true);
  msghdr.setBigUint64(32, BigInt(ptr(control)), true);
}

function errno(calls: Calls): number {
  return read.i32(calls.__errno_location() as Pointer, 0);
}

/** struct pollfd[]: the wake fd first, then every socket (ids in `polled`). */
function rebuildPollSet(): void {
  polled = [...sockets.keys()];
  pollfdBytes = new Uint8Array(8 * (polled.length + 1));
  pollfds = new DataView(pollfdBytes.buffer);
  [wakeFd, ...polled.map((id) => sockets.get(id) as number)].forEach((fd, i) => {
    pollfds.setInt32(8 * i, fd, true);
    pollfds.setInt16(8 * i + 4, POLLIN, true);
  });
  socketsChanged = false;
}

/** The sender's credentials; any descriptors it attached join `arriving`. */
function readControl(calls: Calls, length: number): { pid: number; uid: number; gid: number } | null {
  let credentials: { pid: number; uid: number; gid: number } | null = null;
  for (let at = 0; at + 16 <= length; ) {
    const cmsgLength = Number(controlView.getBigUint64(at, true));
    if (cmsgLength < 16 || at + cmsgLength > length) break;
    const level = controlView.getInt32(at + 8, true);
    const type = controlView.getInt32(at + 12, true);
    if (level === SOL_SOCKET && type === SCM_CREDENTIALS && cmsgLength >= 16 + 12) {
      credentials = { pid: controlView.getInt32(at + 16, true), uid: controlView.getUint32(at + 20, true), gid: controlView.getUint32(at + 24, true) };
    } else if (level === SOL_SOCKET && type === SCM_RIGHTS) {
      for (let fd = at + 16; fd + 4 <= at + cmsgLength; fd += 4) {
        const attached = controlView.getInt32(fd, true);
        if (heldCount < HELD_MAX) {
          arriving.push(attached);
          heldCount++;
        } else calls.close(attached);
      }
    }
    at += (cmsgLength + 7) & ~7;
  }
  return credentials;
}

/** Up to BATCH datagrams waiting on `fd` (non-blocking), appended to `out`. */
function drain(calls: Calls, id: number, fd: number, out: ReceivedDatagram[]): void {
  for (let n = 0; n < BATCH; n++) {
    msghdr.setBigUint64(40, BigInt(CONTROL_BYTES), true);
    msghdr.setInt32(48, 0, true);
    const received = Number(calls.recvmsg(fd, msghdrBytes, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
    if (received < 0) {
      if (errno(calls) === EINTR) continue;
      return; // EAGAIN: drained
    }
    const credentials = readControl(calls, Number(msghdr.getBigUint64(40, true)));
    if (!credentials) continue;
    const truncated = (msghdr.getInt32(48, true) & MSG_TRUNC) !== 0;
    out.push({ id, ...credentials, text: decoder.decode(data.subarray(0, Math.min(received, DATAGRAM_BYTES))), truncated });
  }
}

/** Polls and receives until a command is announced that has not arrived yet, or a stop. */
function pump(calls: Calls): void {
  while (!stopped && applied >= announced) {
    if (socketsChanged) rebuildPollSet();
    const ready = calls.poll(pollfdBytes, polled.length + 1, -1);
    if (ready < 0) {
      if (errno(calls) === EINTR) continue;
      fail(`poll: errno ${errno(calls)}`, true);
      break;
    }
    if ((pollfds.getInt16(6, true) & POLLIN) !== 0 && calls.read(wakeFd, counter, 8) === 8n) announced += Number(counter[0]);
    const out: ReceivedDatagram[] = [];
    for (const [i, id] of polled.entries()) {
      const revents = pollfds.getInt16(8 * (i + 1) + 6, true);
      if ((revents & POLLNVAL) !== 0) fail(`poll: socket ${id} is not open`, true);
      else if (revents !== 0) drain(calls, id, sockets.get(id) as number, out);
    }
    if (out.length > 0 || arriving.length > 0) {
      const release = arriving.length > 0 ? nextBatch++ : 0;
      if (release) held.set(release, arriving);
      arriving = [];
      self.postMessage({ datagrams: out, release });
    }
  }
  if (stopped) shutdown(calls);
}

function release(calls: Calls, batch: number): void {
  for (const fd of held.get(batch) ?? []) calls.close(fd);
  heldCount -= held.get(batch)?.length ?? 0;
  held.delete(batch);
}

function shutdown(calls: Calls): void {
  for (const fd of sockets.values()) calls.close(fd);
  sockets.clear();
  for (const batch of [...held.keys()]) release(calls, batch);
  if (wakeFd >= 0) calls.close(wakeFd);
  wakeFd = -1;
  // Nothing left to wait for: the thread ends.
  self.onmessage = null;
}

function fail(problem: string, closed: boolean): void {
  self.postMessage({ fatal: problem, closed });
  stopped = true;
}

function apply(command: WorkerCommand): void {
  switch (command.op) {
    case "init":
      try {
        c = dlopen(command.library, SYMBOLS).symbols;
      } catch (error) {
        fail(`cannot open ${command.library}: ${error instanceof Error ? error.message : String(error)}`, false);
        return;
      }
      wakeFd = command.wakeFd;
      prepare();
      return;
    case "add":
      sockets.set(command.id, command.fd);
      socketsChanged = true;
      return;
    case "remove": {
      const fd = sockets.get(command.id);
      if (fd !== undefined) c?.close(fd);
      sockets.delete(command.id);
      socketsChanged = true;
      return;
    }
    case "release":
      if (c) release(c, command.batch);
      return;
    case "stop":
      stopped = true;
      return;
  }
}

self.onmessage = (event) => {
  apply(event.data);
  applied++;
  if (c) pump(c);
  else if (stopped) self.onmessage = null;
};
