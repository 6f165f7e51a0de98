// Agents that speak sd_notify ([agents.X.ready] notify = true): where each one's NOTIFY_SOCKET
// lives, what its runs inherit, and whose datagrams count — only those of the run's own
// process tree, by the sender's pid (SCM_CREDENTIALS), as systemd counts a service's.

import { chmodSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { AgentConfig } from "../config/types.ts";
import { readStat } from "./procfs.ts";

/** What serve's notify receiver (src/system/notify-receiver.ts) offers the supervisor. */
export interface NotifyPort {
  open(key: string, path: string, owner: { uid: number; gid: number } | null): void;
  close(key: string): void;
}

/** One datagram, with the pid the kernel vouches for. */
export interface NotifyDatagram {
  fields: Record<string, string>;
  pid: number;
}

export function isNotifyAgent(config: AgentConfig): boolean {
  return config.ready?.target.kind === "notify";
}

export function notifySocketPath(stateDir: string, agent: string): string {
  return join(stateDir, "notify", `${agent}.sock`);
}

/** What a notify agent's run inherits, as systemd would set it for a Type=notify service. */
export function notifyEnv(config: AgentConfig, path: string): Record<string, string> {
  const env: Record<string, string> = { NOTIFY_SOCKET: path };
  const watchdog = config.ready?.watchdog;
  if (watchdog) env.WATCHDOG_USEC = String(Math.round(watchdog * 1_000_000));
  return env;
}

/**
 * The folder of the sockets: traversable (not listable) by the agents' accounts, each socket
 * owner-only and owned by its agent's account. An agent that runs as another account must also
 * pass through state_dir, which then gets o+x (its contents stay owner-only: logs/ and the
 * journal are 0700/0600).
 */
export function prepareNotifyDir(stateDir: string, otherAccounts: boolean): void {
  mkdirSync(join(stateDir, "notify"), { recursive: true, mode: 0o711 });
  chmodSync(join(stateDir, "notify"), 0o711);
  if (otherAccounts) chmodSync(stateDir, statSync(stateDir).mode | 0o011);
}

/** Whether `pid` is the run's leader or one of its descendants (its group, or up its parents). */
export function inRunOf(pid: number, leader: number): boolean {
  let current = pid;
  for (let depth = 0; depth < 64 && current > 1; depth++) {
    if (current === leader) return true;
    const stat = readStat(current);
    if (stat === null) return false;
    if (stat.pgid === leader) return true;
    current = stat.ppid;
  }
  return false;
}
