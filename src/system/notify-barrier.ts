// sd_notify_barrier(3) on the sending side: BARRIER=1 with the write end of a pipe attached
// (SCM_RIGHTS), then wait for the read end to hang up. The receiver closes the descriptor once it
// has handled everything sent before, so the sender is still alive — its pid still names it —
// while the receiver checks who sent the message. systemd-notify does this unless --no-block.

import { ptr } from "bun:ffi";
import { errno, errnoName } from "./libc.ts";
import { notifyCalls } from "./notify-libc.ts";
import { closeSocket, openDatagramSocket, SystemCallError, unixAddress } from "./unix-datagram.ts";

const O_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const EINTR = 4;

/** Sends BARRIER=1 to `address` and waits up to `timeoutMs` for it to be handled; false when it was not in time. Throws SystemCallError. */
export function notifyBarrier(address: string, timeoutMs: number): boolean {
  const c = notifyCalls();
  const pipe = new Int32Array(2);
  if (c.pipe2(pipe, O_CLOEXEC) !== 0) throw new SystemCallError("pipe2", errnoName(errno()));
  const [readEnd = -1, writeEnd = -1] = pipe;
  let writeEndOpen = true;
  try {
    sendWithDescriptor(address, new TextEncoder().encode("BARRIER=1"), writeEnd);
    // Ours must go too: the receiver's copy is then the last writer.
    closeSocket(writeEnd);
    writeEndOpen = false;
    return waitForHangUp(readEnd, timeoutMs);
  } finally {
    if (writeEndOpen) closeSocket(writeEnd);
    closeSocket(readEnd);
  }
}

/** One datagram to `address` with `fd` attached (LP64 struct msghdr and cmsghdr). */
function sendWithDescriptor(address: string, message: Uint8Array, fd: number): void {
  const sockaddr = unixAddress(address);
  const iovec = new DataView(new ArrayBuffer(16));
  iovec.setBigUint64(0, BigInt(ptr(message)), true);
  iovec.setBigUint64(8, BigInt(message.length), true);
  // CMSG_SPACE(sizeof(int)): a 16-byte header and the descriptor, padded to 8.
  const control = new Uint8Array(24);
  const cmsg = new DataView(control.buffer);
  cmsg.setBigUint64(0, 20n, true);
  cmsg.setInt32(8, SOL_SOCKET, true);
  cmsg.setInt32(12, SCM_RIGHTS, true);
  cmsg.setInt32(16, fd, true);
  const header = new Uint8Array(56);
  const msghdr = new DataView(header.buffer);
  msghdr.setBigUint64(0, BigInt(ptr(sockaddr)), true);
  msghdr.setUint32(8, sockaddr.length, true);
  msghdr.setBigUint64(16, BigInt(ptr(iovec)), true);
  msghdr.setBigUint64(24, 1n, true);
  msghdr.setBigUint64(32, BigInt(ptr(control)), true);
  msghdr.setBigUint64(40, BigInt(control.length), true);
  const socket = openDatagramSocket(true);
  try {
    if (notifyCalls().sendmsg(socket, header, MSG_NOSIGNAL) < 0n) throw new SystemCallError("sendmsg", errnoName(errno()));
  } finally {
    closeSocket(socket);
  }
}

/** poll(2) until the pipe's last writer is gone (POLLHUP) or the time is up. */
function waitForHangUp(fd: number, timeoutMs: number): boolean {
  const pollfd = new Uint8Array(8);
  new DataView(pollfd.buffer).setInt32(0, fd, true);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = Math.max(0, Math.ceil(deadline - performance.now()));
    const ready = notifyCalls().poll(pollfd, 1, left);
    if (ready > 0) return true;
    if (ready === 0) return false;
    const code = errno();
    if (code !== EINTR) throw new SystemCallError("poll", errnoName(code));
  }
}
