// The sender side of systemd's notify protocol (sd_notify(3)): newline-separated KEY=VALUE
// assignments in one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET.

import { closeSocket, openDatagramSocket, sendDatagram, unixAddress } from "./unix-datagram.ts";

export interface NotifySettings {
  /** A path, or an abstract name with a leading "@". */
  socket: string;
  /** WATCHDOG_USEC when the watchdog is meant for this process; null otherwise. */
  watchdogUsec: number | null;
}

const KEYS = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] as const;

/**
 * Reads the notify settings from `env` and removes them from it, as sd_notify's
 * unset_environment does, so children do not talk to systemd as if they were this process.
 * WATCHDOG_PID, when set, must name `pid` for the watchdog to be ours. Null without NOTIFY_SOCKET.
 */
export function takeNotifySettings(env: Record<string, string | undefined>, pid: number): NotifySettings | null {
  const [socket, usec, watchdogPid] = KEYS.map((key) => env[key]);
  for (const key of KEYS) delete env[key];
  if (socket === undefined || socket === "") return null;
  const forUs = watchdogPid === undefined || watchdogPid === "" || Number(watchdogPid) === pid;
  const micros = Number(usec);
  return { socket, watchdogUsec: forUs && Number.isInteger(micros) && micros > 0 ? micros : null };
}

export class NotifySocket {
  private readonly fd: number;
  private readonly address: Uint8Array;
  private readonly encoder = new TextEncoder();

  /** Throws SystemCallError when the address is unusable or no socket can be made. */
  constructor(readonly socket: string) {
    if (!socket.startsWith("/") && !socket.startsWith("@")) {
      throw new Error(`NOTIFY_SOCKET '${socket}' is neither a path nor an abstract socket (@name)`);
    }
    this.address = unixAddress(socket);
    this.fd = openDatagramSocket(true);
  }

  /** One datagram with these assignments; throws SystemCallError when it cannot be sent. */
  send(assignments: readonly string[]): void {
    sendDatagram(this.fd, this.address, this.encoder.encode(`${assignments.join("\n")}\n`));
  }

  close(): void {
    closeSocket(this.fd);
  }
}
