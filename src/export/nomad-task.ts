// Nomad: one agent as a docker task (entrypoint, env, work_dir, user, kill settings, memory, logs,
// restart) and its checks as Consul service checks, each key reported.

import { ORCHESTRATOR_DEFAULTS as OD } from "../config/schema.ts";
import type { AgentConfig, Config, HealthCheckConfig } from "../config/types.ts";
import { changed, cwdDefaulted, describeCheck, envSources, notifyCheck, secondsText, slug, wholeSeconds } from "./agents.ts";
import { isIdentifier } from "./hcl.ts";
import type { NomadCheck, NomadGroup, NomadRestart, NomadTask, Phase } from "./nomad-model.ts";
import type { Report } from "./report.ts";

const MIB = 1048576;

export function task(agent: AgentConfig, phase: Phase, group: NomadGroup, config: Config, image: string, jobId: string, report: Report): NomadTask {
  const t: NomadTask = {
    name: agent.name,
    image,
    entrypoint: agent.command,
    workDir: agent.cwd,
    ports: [],
    env: {},
    user: agent.user ? (agent.user.group === null ? agent.user.user : `${agent.user.user}:${agent.user.group}`) : null,
    phase,
    killSignal: agent.stop_signal,
    killTimeout: agent.stop_timeout,
    memoryMB: agent.max_memory === null ? null : Math.max(10, Math.ceil(agent.max_memory / MIB)),
    logs: null,
    restart: restartOf(agent, report),
    services: [],
  };
  report.ok(agent.name, "command", `docker entrypoint (the image ${image} must hold ${agent.command[0]})`);
  if (cwdDefaulted(config, agent))
    report.approx(agent.name, "cwd", `work_dir ${agent.cwd}: the config's folder on this host; the image must hold the project there`);
  else report.ok(agent.name, "cwd", `work_dir ${agent.cwd} (in the image)`);
  for (const [name, value] of Object.entries(agent.env)) {
    if (isIdentifier(name)) t.env[name] = value;
    else report.none(agent.name, `env.${name}`, "not an HCL identifier: left out of the env block");
  }
  const { own } = envSources(agent);
  if (Object.keys(own).length > 0) report.ok(agent.name, "env", `env block (${Object.keys(own).join(", ")})`);
  if (agent.env_file !== null)
    report.approx(agent.name, "env_file", "its variables inlined into env as read now (a template block could render it on the client)");
  if (agent.user) report.ok(agent.name, agent.user.group === null ? "user" : "user, group", `user = "${t.user}" (an account of the image)`);
  if (agent.umask !== null) report.none(agent.name, "umask", "a task has no umask setting: set it in the image's entrypoint");
  if (changed(agent, "stop_signal")) report.ok(agent.name, "stop_signal", `kill_signal = "${agent.stop_signal}"`);
  if (changed(agent, "stop_timeout")) report.ok(agent.name, "stop_timeout", `kill_timeout = "${secondsText(agent.stop_timeout).replace(" ", "")}"`);
  if (agent.max_memory !== null) {
    report.approx(agent.name, "max_memory", `resources { memory = ${t.memoryMB} } (MiB, rounded up): a hard cgroup limit, not RSS samples`);
  }
  if (agent.log_max_size !== OD.log_max_size || agent.log_keep !== OD.log_keep) {
    const size = Math.max(1, Math.round(agent.log_max_size / 1_000_000));
    t.logs = { maxFiles: agent.log_keep, maxFileSizeMB: size };
    report.approx(
      agent.name,
      "log_max_size, log_keep",
      `logs { max_files = ${agent.log_keep}, max_file_size = ${size} } (whole MB; 0 = never has no equivalent)`,
    );
  }
  if (agent.kind === "looping") checks(agent, t, group, jobId, report);
  return t;
}

function restartOf(agent: AgentConfig, report: Report): NomadRestart {
  const never: NomadRestart = { attempts: 0, interval: 5, delay: 0, mode: "fail" };
  if (agent.kind !== "looping") return never;
  if (agent.restart === "never") {
    report.approx(agent.name, "restart", 'restart { attempts = 0, mode = "fail" }: a clean exit fails the allocation too');
    return never;
  }
  const interval = Math.max(5, agent.restart_window);
  const delay = agent.max_restarts === 0 ? 0 : Math.min(1, interval / agent.max_restarts);
  const restart: NomadRestart = { attempts: agent.max_restarts, interval, delay, mode: "fail" };
  const words = `restart { attempts = ${agent.max_restarts}, interval = "${interval}s", mode = "fail" } and no reschedule`;
  if (agent.restart === "on-failure") report.approx(agent.name, "restart", `${words}: a service task is restarted after a clean exit too`);
  else report.ok(agent.name, "restart", words);
  if (changed(agent, "max_restarts") || changed(agent, "restart_window")) {
    if (interval === agent.restart_window) report.ok(agent.name, "max_restarts, restart_window", `${words}: failed after that`);
    else report.approx(agent.name, "max_restarts, restart_window", `${words}: Nomad's shortest interval is 5 s`);
  }
  return restart;
}

function checks(agent: AgentConfig, t: NomadTask, group: NomadGroup, jobId: string, report: Report): void {
  const found: NomadCheck[] = [];
  let port: string | null = null;
  for (const [key, check] of [
    ["ready", agent.ready],
    ["alive", agent.alive],
  ] as const) {
    if (check === null) continue;
    const made = toCheck(check, key === "alive", `${agent.name}-${key}`);
    if (made.check === null) {
      report.none(agent.name, key, made.note);
      continue;
    }
    if (made.port !== null) {
      const label = `${agent.name.replace(/[^A-Za-z0-9_]/g, "_")}_${made.port}`;
      if (!group.ports.some((p) => p.label === label)) group.ports.push({ label, to: made.port });
      if (!t.ports.includes(label)) t.ports.push(label);
      made.check.port = label;
      port ??= label;
    }
    found.push(made.check);
    const what =
      key === "alive"
        ? "a Consul check with check_restart: failing checks restart the task"
        : "a Consul check: health for deployments and discovery, not an order for other tasks";
    report.add({
      agent: agent.name,
      key,
      level: made.rounded ? "approximated" : "converted",
      note: `${what}${made.rounded ? " (times rounded up to whole seconds)" : ""}`,
    });
  }
  if (found.length > 0) t.services.push({ name: `${slug(jobId)}-${slug(agent.name)}`.slice(0, 63), port, checks: found });
}

function toCheck(check: HealthCheckConfig, liveness: boolean, name: string): { check: NomadCheck | null; port: number | null; rounded: boolean; note: string } {
  if (notifyCheck(check)) return { check: null, port: null, rounded: false, note: "Nomad has no sd_notify readiness" };
  const interval = wholeSeconds(check.interval, 1);
  const timeout = wholeSeconds(check.timeout, 1);
  const grace = wholeSeconds(check.initial_delay);
  const base: NomadCheck = {
    name,
    type: "tcp",
    path: null,
    protocol: null,
    command: null,
    args: [],
    port: null,
    interval: interval.value,
    timeout: timeout.value,
    successBeforePassing: liveness ? 0 : check.success_threshold,
    failuresBeforeCritical: liveness ? 0 : check.failure_threshold,
    checkRestart: liveness ? { limit: check.failure_threshold, grace: grace.value } : null,
  };
  const rounded = interval.rounded || timeout.rounded || (liveness && grace.rounded);
  const t = check.target;
  switch (t.kind) {
    case "command":
      return { check: { ...base, type: "script", command: t.command[0] ?? "", args: t.command.slice(1) }, port: null, rounded, note: "" };
    case "tcp":
      return { check: base, port: t.port, rounded, note: "" };
    case "http": {
      const url = new URL(t.url);
      const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
      const protocol = url.protocol === "https:" ? "https" : null;
      return { check: { ...base, type: "http", path: `${url.pathname}${url.search}`, protocol }, port, rounded, note: "" };
    }
    default:
      return { check: null, port: null, rounded: false, note: `Nomad runs no output checks (${describeCheck(check)})` };
  }
}
