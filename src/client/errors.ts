// Failures the client makes itself: the orchestrator could not be reached or did not answer.

import { ProtocolError } from "../protocol/errors.ts";

const HINTS: Record<string, (path: string) => string> = {
  ENOENT: (path) => `No socket at ${path} (ENOENT): is 'pyorchestrate serve' running? Point to its command_socket_path with --socket or PYORCHESTRATE_SOCKET.`,
  ECONNREFUSED: (path) =>
    `Nothing is listening on ${path} (ECONNREFUSED): the file was probably left by a serve that was killed; starting serve again replaces it.`,
  EACCES: (path) => permissionHint(path, "EACCES"),
  EPERM: (path) => permissionHint(path, "EPERM"),
  ENOTSOCK: (path) => `${path} is not a socket (ENOTSOCK): check --socket and PYORCHESTRATE_SOCKET.`,
};

function permissionHint(path: string, code: string): string {
  return (
    `Permission denied on ${path} (${code}): this user may not use the socket file or enter its folder. ` +
    `Run as serve's user (e.g. with sudo -u), or have serve set command_socket_group to a group of yours and ` +
    `command_socket_permissions to 0o660.`
  );
}

export function connectionError(path: string, cause: unknown): ProtocolError {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : "UNKNOWN";
  const reason = cause instanceof Error ? cause.message : String(cause);
  const hint = (HINTS[code] ?? ((p: string) => `Could not connect to ${p} (${code}).`))(path);
  return new ProtocolError("SOCKET_CONNECTION_ERROR", `Cannot connect to orchestrator socket ${path} (${code})`, {
    socket_path: path,
    reason,
    errno: code,
    hint,
  });
}

export function noAnswerError(path: string, why: string): ProtocolError {
  return new ProtocolError("SOCKET_CONNECTION_ERROR", `The orchestrator on ${path} ${why}`, {
    socket_path: path,
    hint: "Check that serve is healthy (its log on stderr), or raise --timeout for slow commands.",
  });
}
