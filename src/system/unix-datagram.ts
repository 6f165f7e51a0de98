// AF_UNIX datagram sockets through the C library: Bun's sockets are streams or UDP only, and
// node:dgram has no unix family. Addresses are filesystem paths, or abstract names written with
// a leading "@" (the kernel's leading NUL byte), as systemd writes them in NOTIFY_SOCKET.

import { errno, errnoName, type Libc, libc, libcProblem } from "./libc.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
/** sizeof(sun_path) */
const PATH_MAX_BYTES = 108;

export class SystemCallError extends Error {
  constructor(
    readonly call: string,
    readonly code: string,
  ) {
    super(`${call}: ${code}`);
  }
}

function c(): Libc {
  const found = libc();
  if (!found) throw new SystemCallError("dlopen", libcProblem() ?? "no C library");
  return found;
}

/** A sockaddr_un for `address`, exactly as long as the kernel wants it. */
export function unixAddress(address: string): Uint8Array {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  if (name.length === 0) throw new SystemCallError("address", `empty unix socket address '${address}'`);
  // Abstract: NUL + name, no terminator. Path: name + NUL terminator.
  const pathBytes = name.length + 1;
  if (pathBytes > PATH_MAX_BYTES) throw new SystemCallError("address", `unix socket address longer than ${PATH_MAX_BYTES - 1} bytes: '${address}'`);
  const sockaddr = new Uint8Array(2 + pathBytes);
  // sa_family_t in the machine's byte order; every Linux target Bun builds for is little-endian.
  sockaddr[0] = AF_UNIX;
  sockaddr.set(name, abstract ? 3 : 2);
  return sockaddr;
}

/** A datagram socket; `nonBlocking` for a sender that must never stall the event loop. */
export function openDatagramSocket(nonBlocking: boolean): number {
  const fd = c().socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) throw new SystemCallError("socket(AF_UNIX, SOCK_DGRAM)", errnoName(errno()));
  return fd;
}

/** Sends one datagram to `sockaddr` (from unixAddress); throws SystemCallError (EAGAIN when the receiver's queue is full). */
export function sendDatagram(fd: number, sockaddr: Uint8Array, message: Uint8Array): void {
  const sent = c().sendto(fd, message, message.length, MSG_NOSIGNAL, sockaddr, sockaddr.length);
  if (sent < 0n) throw new SystemCallError("sendto", errnoName(errno()));
}

/** A blocking datagram socket bound to `address` (a path must not exist yet). */
export function bindDatagramSocket(address: string): number {
  const sockaddr = unixAddress(address);
  const fd = openDatagramSocket(false);
  if (c().bind(fd, sockaddr, sockaddr.length) !== 0) {
    const code = errnoName(errno());
    closeSocket(fd);
    throw new SystemCallError(`bind(${address})`, code);
  }
  return fd;
}

/** Waits for the next datagram; its length (the rest of a longer one is dropped). */
export function receiveDatagram(fd: number, buffer: Uint8Array): number {
  const received = c().recv(fd, buffer, buffer.length, 0);
  if (received < 0n) throw new SystemCallError("recv", errnoName(errno()));
  return Number(received);
}

export function closeSocket(fd: number): void {
  libc()?.close(fd);
}
