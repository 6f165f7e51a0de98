// The generated config: which agents a soak run has (roles that sleep, fork, crash, ignore
// SIGTERM, run periodically or once), their dependencies, and the TOML serve reads.

import { join } from "node:path";
import type { AgentKind } from "../../src/protocol/agents.ts";
import type { Options } from "./options.ts";

/** Every agent of this run gets MARKER_ENV=<random> in its env (serve never has it). */
export const MARKER_ENV = "PYO_SOAK_RUN";

export type Role = "sleeper" | "shell-loop" | "forker" | "stubborn" | "crasher" | "crash-fail" | "periodic" | "periodic-timeout" | "periodic-rate" | "oneshot";

/** Each role's kind and TOML (a string command is run by /bin/sh -c). */
const ROLES: Record<Role, { kind: AgentKind; toml: string }> = {
  sleeper: { kind: "looping", toml: `command = ["sleep", "86400"]\nstop_timeout = 3` },
  "shell-loop": { kind: "looping", toml: `command = "while :; do sleep 1; done"\nstop_timeout = 3` },
  // Two grandchildren in the agent's process group: they must die with the leader.
  forker: { kind: "looping", toml: `command = "sleep 86400 & sleep 86400 & wait"\nstop_timeout = 3` },
  // Ignores SIGTERM (and so do its children): every stop needs the SIGKILL after stop_timeout.
  stubborn: { kind: "looping", toml: `command = "trap '' TERM; while :; do sleep 1; done"\nstop_timeout = 1` },
  crasher: { kind: "looping", toml: `command = "sleep 0.3; exit 3"\nrestart = "on-failure"\nmax_restarts = 1000\nstop_timeout = 3` },
  // Crash-loop guard: ends up "failed" after its third quick exit.
  "crash-fail": { kind: "looping", toml: `command = "sleep 0.2; exit 1"\nrestart = "on-failure"\nmax_restarts = 2\nstop_timeout = 3` },
  periodic: { kind: "periodic", toml: `command = "sleep 0.2"\nexecution_interval = 1\ntimeout = 2\nstop_timeout = 3` },
  "periodic-timeout": { kind: "periodic", toml: `command = ["sleep", "5"]\nexecution_interval = 1\ntimeout = 0.5\nstop_timeout = 3` },
  // Fixed rate with runs longer than the interval: skipped runs.
  "periodic-rate": {
    kind: "periodic",
    toml: `command = ["sleep", "1.5"]\nexecution_interval = 1\ntimeout = 3\ndelay_compensation = true\nstop_timeout = 3`,
  },
  oneshot: { kind: "oneshot", toml: `kind = "oneshot"\ncommand = "sleep 0.5"\ntimeout = 5\nstop_timeout = 3` },
};

const ROLE_CYCLE: readonly Role[] = [
  "sleeper",
  "forker",
  "crasher",
  "periodic",
  "shell-loop",
  "stubborn",
  "sleeper",
  "forker",
  "periodic-timeout",
  "crash-fail",
  "shell-loop",
  "oneshot",
  "sleeper",
  "forker",
  "periodic-rate",
  "crasher",
  "sleeper",
  "periodic",
  "shell-loop",
  "forker",
]; // prettier-ignore

/** Roles whose agent should be running with a pid once things settle after churn. */
export const STEADY: ReadonlySet<Role> = new Set<Role>(["sleeper", "shell-loop", "forker", "stubborn"]);

export interface AgentPlan {
  name: string;
  role: Role;
  kind: AgentKind;
  /** A forker depends on the sleeper before it; a fixed-rate periodic agent on the oneshot before it. */
  dependsOn: { name: string; condition: "started" | "completed" } | null;
}

export function planAgents(count: number): AgentPlan[] {
  const plans: AgentPlan[] = [];
  const lastOf = new Map<Role, string>();
  for (let i = 0; i < count; i++) {
    const role = ROLE_CYCLE[i % ROLE_CYCLE.length] as Role;
    const name = `${role}-${String(i).padStart(3, "0")}`;
    let dependsOn: AgentPlan["dependsOn"] = null;
    const sleeper = lastOf.get("sleeper");
    const oneshot = lastOf.get("oneshot");
    if (role === "forker" && sleeper) dependsOn = { name: sleeper, condition: "started" };
    if (role === "periodic-rate" && oneshot) dependsOn = { name: oneshot, condition: "completed" };
    plans.push({ name, role, kind: ROLES[role].kind, dependsOn });
    lastOf.set(role, name);
  }
  return plans;
}

export function configToml(plans: readonly AgentPlan[], dir: string, marker: string, options: Options): string {
  const lines = [
    "[orchestrator]",
    `name = "soak"`,
    `command_socket_path = "${join(dir, "s.sock")}"`,
    `state_dir = "${join(dir, "state")}"`,
    `max_workers = ${options.maxWorkers}`,
    "command_timeout = 30",
    "shutdown_timeout = 30",
    "",
  ];
  for (const plan of plans) {
    lines.push(`[agents.${plan.name}]`, ROLES[plan.role].toml);
    if (plan.dependsOn) lines.push(`depends_on = { ${plan.dependsOn.name} = "${plan.dependsOn.condition}" }`);
    lines.push(`env = { ${MARKER_ENV} = "${marker}" }`, "");
  }
  return lines.join("\n");
}
