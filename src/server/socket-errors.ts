// Why the command socket cannot be created, in words an operator can act on: the OS's code
// (EACCES, ENOENT, EADDRINUSE, …), what it means for this path, and what to change.

import { dirname } from "node:path";

export class SocketPathError extends Error {
  override name = "SocketPathError";
}

/** serve's account, as the fix for a permission problem needs it: `uid 998`, `uid 0 (root)`. */
function account(): string {
  const uid = process.getuid?.() ?? -1;
  return uid === 0 ? "uid 0 (root)" : `uid ${uid}`;
}

/** A SocketPathError for `error` (thrown by mkdir, unlink or listen at `path`). */
export function socketPathError(path: string, error: unknown, doing: "create its folder" | "replace the stale socket" | "listen"): SocketPathError {
  if (error instanceof SocketPathError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const folder = dirname(path);
  const fix = "; or set command_socket_path to a path serve can create";
  const reason = ((): string => {
    switch (code) {
      case "EACCES":
      case "EPERM":
        return doing === "replace the stale socket"
          ? `serve (${account()}) may not remove the socket file left there by another user; remove it as that user or root${fix}`
          : `serve (${account()}) may not create files in ${folder}; give its user that folder ` +
              '(under systemd: RuntimeDirectory=pyorchestrate and command_socket_path = "/run/pyorchestrate/pyorchestrate.sock")' +
              fix;
      case "ENOENT":
        return `${folder} does not exist and could not be created; create it${fix}`;
      case "ENOTDIR":
        return `a part of ${folder} is a file, not a folder${fix}`;
      case "EADDRINUSE":
        return `another program is listening on this path; stop it (find it with: ss -xlp | grep '${path}')${fix}`;
      case "EROFS":
        return `${folder} is on a read-only file system${fix}`;
      case "ENAMETOOLONG":
        return "the path is too long for a UNIX socket (at most 107 bytes); choose a shorter command_socket_path";
      default:
        return error instanceof Error ? error.message : String(error);
    }
  })();
  const label = typeof code === "string" ? `${code}: ` : "";
  return new SocketPathError(`${path}: ${label}${reason}`);
}
