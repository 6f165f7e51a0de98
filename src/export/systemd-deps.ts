// systemd: depends_on edges as Requires=/Wants= + After=, and the ready check as what makes a
// unit's start job finish (Type=notify's READY=1, or an ExecStartPost= that polls a command check).

import type { AgentConfig } from "../config/types.ts";
import { describeCheck, notifyCheck } from "./agents.ts";
import type { Report } from "./report.ts";
import { commandLine, span } from "./systemd-unit.ts";

export interface UnitNames {
  service(agent: string): string;
  timer(agent: string): string;
}

/** [Unit] entries for the agent's edges, each edge reported. */
export function dependencyEntries(agent: AgentConfig, agents: Map<string, AgentConfig>, names: UnitNames, report: Report): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [name, condition] of Object.entries(agent.depends_on)) {
    const provider = agents.get(name);
    if (!provider) continue;
    const key = `depends_on.${name}`;
    if (provider.kind === "periodic") {
      const timer = names.timer(name);
      entries.push(["Wants", timer], ["After", timer]);
      if (condition === "completed") report.none(agent.name, key, `a timer never completes: Wants=/After=${timer} only orders it after the timer's start`);
      else report.approx(agent.name, key, `Wants=/After=${timer}: starts once the timer is up, not once a run has started`);
      continue;
    }
    const unit = names.service(name);
    entries.push(["Requires", unit], ["After", unit]);
    if (provider.kind === "oneshot") {
      if (condition === "completed") report.ok(agent.name, key, `Requires=/After=${unit}: starts once that oneshot has exited 0`);
      else report.approx(agent.name, key, `Requires=/After=${unit}: waits for the oneshot to finish, not just to start`);
      continue;
    }
    const stopNote = "(a systemctl stop or restart of it stops or restarts this one too)";
    if (condition === "completed") report.approx(agent.name, key, `Requires=/After=${unit}: waits for its start, not its exit`);
    else if (condition === "started" || provider.ready === null) report.ok(agent.name, key, `Requires=/After=${unit}: starts once it has started ${stopNote}`);
    else if (readyGatesStart(provider)) report.ok(agent.name, key, `Requires=/After=${unit}: starts once its ready check passed ${stopNote}`);
    else report.approx(agent.name, key, `Requires=/After=${unit}: waits for its start only (its ready check has no systemd equivalent)`);
  }
  return entries;
}

/** Whether the unit's start job ends only once the agent is ready (so After= waits for readiness). */
export function readyGatesStart(agent: AgentConfig): boolean {
  return notifyCheck(agent.ready) !== null || agent.ready?.target.kind === "command";
}

/** [Service] entries for the ready and alive checks, each reported. */
export function checkEntries(agent: AgentConfig, report: Report): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const notify = notifyCheck(agent.ready);
  const ready = agent.ready;
  if (notify) {
    entries.push(["NotifyAccess", "all"]);
    report.ok(agent.name, "ready", "Type=notify: the unit is started once the agent sends READY=1 (NotifyAccess=all)");
    if (notify.watchdog !== null) {
      entries.push(["WatchdogSec", span(notify.watchdog)]);
      report.ok(agent.name, "ready.watchdog", `WatchdogSec=${span(notify.watchdog)}: restarted per Restart= when WATCHDOG=1 stops coming`);
    }
  } else if (ready?.target.kind === "command") {
    const script = `sleep ${ready.initial_delay}; until timeout ${ready.timeout} "$@"; do sleep ${ready.interval}; done`;
    entries.push(["ExecStartPost", commandLine(["/bin/sh", "-c", script, "ready-check", ...ready.target.command])]);
    const thresholds = ready.success_threshold > 1 ? `; success_threshold ${ready.success_threshold} is read as 1` : "";
    report.approx(
      agent.name,
      "ready",
      `ExecStartPost= runs the command until it passes, so After= dependents wait for it; checks stop once it passed (no not-ready)${thresholds}`,
    );
  } else if (ready) {
    report.none(agent.name, "ready", `systemd runs no ${ready.target.kind} checks (${describeCheck(ready)}): the unit counts as ready once started`);
  }
  if (agent.alive) {
    report.none(
      agent.name,
      "alive",
      `systemd runs no liveness checks (${describeCheck(agent.alive)}); WatchdogSec= needs the agent's own WATCHDOG=1 (ready.notify + watchdog)`,
    );
  }
  return entries;
}
