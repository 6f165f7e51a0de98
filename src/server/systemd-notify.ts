// serve → systemd (sd_notify): READY=1 once the socket listens and every autostart agent has
// reached its start condition; STATUS= with the counts when they change, at most once a second;
// RELOADING=1 with MONOTONIC_USEC= before a reload and READY=1 once it has settled; STOPPING=1
// when shutdown begins; WATCHDOG=1 every WATCHDOG_USEC/2 from the event loop, so a loop that
// hangs misses it and systemd acts.

import type { Orchestrator } from "../orchestrator/orchestrator.ts";
import type { AgentRuntime } from "../orchestrator/runtime.ts";
import type { AgentCounts } from "../protocol/agents.ts";
import { monotonicMicros } from "../system/monotonic-clock.ts";
import { type NotifySettings, NotifySocket } from "../system/sd-notify.ts";
import type { Logger } from "./logger.ts";

/** STATUS= at most this often. */
const STATUS_EVERY_MS = 1_000;
/** Until READY: a look now and then besides the one after each event, should a status change without one. */
const READY_RECHECK_MS = 1_000;

export function statusLine(counts: AgentCounts): string {
  return `${counts.running_agents} running, ${counts.waiting_agents} waiting, ${counts.failed_agents} failed`;
}

/**
 * Whether every autostart agent has got as far as it gets on its own: up (running, past any
 * ready check), done (completed, failed, stopped), backing off after a crash, or idle until its
 * next periodic run. One still waiting for a dependency or a worker slot counts once nothing is
 * on its way that could let it in: no agent starting or stopping, no oneshot or periodic run going.
 */
export function startupSettled(runtimes: readonly AgentRuntime[]): boolean {
  const inMotion = runtimes.some(
    (runtime) => runtime.status === "starting" || runtime.status === "stopping" || (runtime.status === "running" && runtime.config.kind !== "looping"),
  );
  return runtimes.every((runtime) => {
    if (!runtime.config.autostart) return true;
    if (runtime.status === "starting" || runtime.status === "stopping") return false;
    if (runtime.status === "waiting") return runtime.waitingReason === "next_run" || !inMotion;
    return true;
  });
}

export interface SystemdLink {
  /** The socket listens and the agents have begun: READY=1 as soon as they have settled. */
  begin(): void;
  reloading(): void;
  reloaded(): void;
  stopping(): void;
  dispose(): void;
}

/** Null (after one warning) when NOTIFY_SOCKET cannot be used. */
export function linkToSystemd(settings: NotifySettings, orchestrator: Orchestrator, log: Logger): SystemdLink | null {
  let socket: NotifySocket;
  try {
    socket = new NotifySocket(settings.socket);
  } catch (error) {
    log.warn(`NOTIFY_SOCKET ${settings.socket} cannot be used (${error instanceof Error ? error.message : String(error)}): systemd will not hear from serve`);
    return null;
  }
  const failures = new Set<string>();
  const send = (assignments: string[]) => {
    try {
      socket.send(assignments);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Once per kind of failure: a systemd that went away must not flood the log.
      if (!failures.has(message)) {
        failures.add(message);
        log.warn(`systemd notify socket ${settings.socket}: ${message} (sending ${assignments[0]})`);
      }
    }
  };

  let begun = false;
  let ready = false;
  let reloads = 0;
  let stopping = false;
  let lastStatus: string | null = null;
  let lastStatusAt = 0;
  let statusTimer: Timer | null = null;
  let lookSoon: Timer | null = null;
  let recheck: Timer | null = null;

  const updateStatus = () => {
    const line = statusLine(orchestrator.counts());
    if (line === lastStatus || statusTimer) return;
    const wait = lastStatusAt + STATUS_EVERY_MS - Date.now();
    if (wait > 0) {
      statusTimer = setTimeout(() => {
        statusTimer = null;
        updateStatus();
      }, wait);
      return;
    }
    lastStatus = line;
    lastStatusAt = Date.now();
    send([`STATUS=${line}`]);
  };
  const look = () => {
    lookSoon = null;
    updateStatus();
    const waiting = begun && !ready && reloads === 0 && !stopping;
    if (waiting && startupSettled(orchestrator.list())) {
      ready = true;
      send(["READY=1"]);
    }
    if (begun && !ready && reloads === 0 && !stopping) recheck ??= setInterval(look, READY_RECHECK_MS);
    else if (recheck) {
      clearInterval(recheck);
      recheck = null;
    }
  };
  // After the event's own change has been made: events are recorded mid-transition.
  const soon = () => {
    lookSoon ??= setTimeout(look, 0);
  };
  const unsubscribe = orchestrator.events.subscribe(soon);
  const watchdog = settings.watchdogUsec === null ? null : setInterval(() => send(["WATCHDOG=1"]), Math.max(1, settings.watchdogUsec / 2_000));

  return {
    begin() {
      begun = true;
      look();
    },
    reloading() {
      if (stopping || reloads++ > 0) return;
      ready = false;
      const now = monotonicMicros();
      send(now === null ? ["RELOADING=1"] : ["RELOADING=1", `MONOTONIC_USEC=${now}`]);
    },
    reloaded() {
      reloads = Math.max(0, reloads - 1);
      look();
    },
    stopping() {
      if (stopping) return;
      stopping = true;
      send(["STOPPING=1"]);
      look();
    },
    dispose() {
      unsubscribe();
      for (const timer of [statusTimer, lookSoon]) if (timer) clearTimeout(timer);
      for (const timer of [recheck, watchdog]) if (timer) clearInterval(timer);
      socket.close();
    },
  };
}
