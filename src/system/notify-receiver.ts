// The receiving side of systemd's notify protocol, for the agents serve gives a NOTIFY_SOCKET:
// one AF_UNIX datagram socket per key, each datagram delivered with its sender's credentials.
// Receiving happens on one thread (notify-worker.ts) blocked in poll(2), so serve's event loop
// never waits and an idle receiver costs no CPU; the main thread binds and unlinks the sockets
// and hands each one over, after which only that thread reads or closes it. Descriptors a sender
// attaches (sd_notify_barrier's pipe) are closed once onMessage has seen what came with them.

import { chmodSync, chownSync, fchmodSync, unlinkSync } from "node:fs";
import { errno, errnoName, libc } from "./libc.ts";
import { parseNotifyFields } from "./notify-fields.ts";
import { LIBRARY, notifyLibcProblem, openWakeFd, passCredentials, wake } from "./notify-libc.ts";
import type { ReceivedDatagram, WorkerCommand, WorkerReport } from "./notify-worker.ts";
import * as workerModule from "./notify-worker.ts" with { type: "text" };
import { closeSocket, openDatagramSocket, SystemCallError, unixAddress } from "./unix-datagram.ts";

export interface NotifyMessage {
  fields: Record<string, string>;
  raw: string;
  pid: number;
  uid: number;
  gid: number;
}

export interface NotifyReceiver {
  /** Binds an AF_UNIX SOCK_DGRAM socket at `path` (a stale file there is replaced) with SO_PASSCRED, mode 0600, chowned to `owner` when given; datagrams arrive as onMessage(key, message). Throws SystemCallError. */
  open(key: string, path: string, owner: { uid: number; gid: number } | null): void;
  /** Stops receiving for `key` and removes its socket file. */
  close(key: string): void;
  /** Closes everything (serve's shutdown). */
  dispose(): void;
}

interface Open {
  id: number;
  path: string;
  fd: number;
}

// The worker's source, embedded by the bundler (a text import), started from a blob: URL.
let workerUrl: string | null = null;
function workerSource(): string {
  workerUrl ??= URL.createObjectURL(new Blob([(workerModule as unknown as { default: string }).default], { type: "application/typescript" }));
  return workerUrl;
}

/** `error` from node:fs as a SystemCallError naming the call. */
function fsCall<T>(call: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new SystemCallError(call, (error as NodeJS.ErrnoException).code ?? String(error));
  }
}

function unlinkIfPresent(path: string): void {
  fsCall(`unlink(${path})`, () => {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  });
}

/** A bound, credential-passing, non-blocking socket at `path`, mode 0600, owned by `owner`. */
function bindNotifySocket(path: string, owner: { uid: number; gid: number } | null): number {
  if (path.startsWith("@")) throw new SystemCallError("address", `an abstract socket has no file permissions: '${path}'`);
  const address = unixAddress(path);
  unlinkIfPresent(path);
  const fd = openDatagramSocket(true);
  let bound = false;
  try {
    // Before bind: credentials on the very first datagram, and the file created as 0600 (Linux
    // takes the socket file's mode from the socket's inode), so no one else can send in between.
    passCredentials(fd);
    fsCall("fchmod", () => fchmodSync(fd, 0o600));
    if (libc()?.bind(fd, address, address.length) !== 0) throw new SystemCallError(`bind(${path})`, errnoName(errno()));
    bound = true;
    fsCall(`chmod(${path})`, () => chmodSync(path, 0o600));
    if (owner) fsCall(`chown(${path})`, () => chownSync(path, owner.uid, owner.gid));
    return fd;
  } catch (error) {
    closeSocket(fd);
    if (bound) unlinkIfPresent(path);
    throw error;
  }
}

function toMessage(datagram: ReceivedDatagram): NotifyMessage {
  const { pid, uid, gid, text, truncated } = datagram;
  return { fields: parseNotifyFields(text, truncated), raw: text, pid, uid, gid };
}

export function createNotifyReceiver(onMessage: (key: string, message: NotifyMessage) => void): NotifyReceiver | { problem: string } {
  const problem = notifyLibcProblem();
  if (problem) return { problem };
  let wakeFd: number;
  try {
    wakeFd = openWakeFd();
  } catch (error) {
    return { problem: (error as Error).message };
  }
  const byKey = new Map<string, Open>();
  const keyById = new Map<number, string>();
  let nextId = 1;
  let failure: string | null = null;
  let disposed = false;

  const worker = new Worker(workerSource());
  // Never what keeps serve alive; dispose() ends the thread.
  worker.unref();
  const send = (command: WorkerCommand) => {
    worker.postMessage(command);
    wake(wakeFd);
  };
  const broken = (why: string, workerClosedFds: boolean) => {
    failure = why;
    if (workerClosedFds) return;
    for (const { fd } of byKey.values()) closeSocket(fd);
    closeSocket(wakeFd);
  };
  worker.onmessage = (event: MessageEvent<WorkerReport>) => {
    const report = event.data;
    if ("fatal" in report) return broken(report.fatal, report.closed);
    try {
      for (const datagram of report.datagrams) {
        const key = keyById.get(datagram.id);
        // A socket closed since: what it had queued is not delivered.
        if (key !== undefined) onMessage(key, toMessage(datagram));
      }
    } finally {
      // The batch is handled: its barrier descriptors may close (the thread closes them all at a stop).
      if (report.release && !disposed && !failure) send({ op: "release", batch: report.release });
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    broken(`the notify receiver's thread failed: ${event.message}`, false);
  };
  send({ op: "init", library: LIBRARY, wakeFd });

  const usable = (call: string) => {
    if (disposed) throw new SystemCallError(call, "the notify receiver is disposed");
    if (failure) throw new SystemCallError(call, failure);
  };

  const receiver: NotifyReceiver = {
    open(key, path, owner) {
      usable(`open(${path})`);
      receiver.close(key);
      const fd = bindNotifySocket(path, owner);
      const id = nextId++;
      byKey.set(key, { id, path, fd });
      keyById.set(id, key);
      send({ op: "add", id, fd });
    },
    close(key) {
      const entry = byKey.get(key);
      if (!entry) return;
      byKey.delete(key);
      keyById.delete(entry.id);
      if (!disposed && !failure) send({ op: "remove", id: entry.id });
      unlinkIfPresent(entry.path);
    },
    dispose() {
      if (disposed) return;
      for (const key of [...byKey.keys()]) receiver.close(key);
      disposed = true;
      if (!failure) send({ op: "stop" });
    },
  };
  return receiver;
}
