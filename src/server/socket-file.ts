// The socket file's life: refuse a live orchestrator, replace a stale file, create with the mode already set.

import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { lookupGroup } from "../config/accounts.ts";
import { SocketPathError, socketPathError } from "./socket-errors.ts";

/** Makes `path` free to listen on, or says why it cannot be. */
export async function claimSocketPath(path: string): Promise<void> {
  const folder = dirname(path);
  try {
    if (!existsSync(folder)) mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw socketPathError(path, error, "create its folder");
  }
  refuseUnsafeFolder(folder);
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there
  }
  if (!isSocket) throw new SocketPathError(`${path} exists and is not a socket; refusing to replace it`);
  if (await answers(path)) {
    throw new SocketPathError(`another orchestrator is already answering on ${path}; stop it first or choose another command_socket_path`);
  }
  // Left behind by a serve that was killed: nothing listens, so it is safe to replace.
  try {
    unlinkSync(path);
  } catch (error) {
    throw socketPathError(path, error, "replace the stale socket");
  }
}

/**
 * Anyone who can write the socket's folder can replace the socket with their own and receive the
 * commands meant for serve. A world-writable folder is safe only with the sticky bit (/tmp):
 * then nobody but the owner may remove or rename the file.
 */
function refuseUnsafeFolder(folder: string): void {
  const mode = statSync(folder).mode;
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    throw new SocketPathError(
      `${folder} is writable by every user and has no sticky bit, so anyone could replace the socket; ` +
        `put command_socket_path in a folder only serve's user can write (e.g. /run/pyorchestrate) or a sticky one like /tmp`,
    );
  }
}

function answers(path: string): Promise<boolean> {
  return Bun.connect({
    unix: path,
    socket: {
      data() {},
      open(socket) {
        socket.end();
      },
    },
  }).then(
    () => true,
    () => false,
  );
}

/**
 * Runs `listen` with a umask that creates the socket owner-only, then hands it to the group and
 * widens it to `mode`: at no moment is the file more open than the configuration says.
 */
export function createWithMode<T>(path: string, mode: number, group: string | null, listen: () => T): T {
  const previous = process.umask(0o077 | (~mode & 0o777));
  let result: T;
  try {
    result = listen();
  } finally {
    process.umask(previous);
  }
  if (group !== null) chownSync(path, -1, groupId(group));
  chmodSync(path, mode);
  return result;
}

export function removeSocketFile(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}

function groupId(group: string): number {
  const gid = lookupGroup(group);
  if (gid === null) throw new SocketPathError(`command_socket_group: no group named '${group}' in /etc/group`);
  return gid;
}
