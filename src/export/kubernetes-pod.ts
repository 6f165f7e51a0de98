// Kubernetes: one agent as a container (command, env, workingDir, account, memory limit) and its
// checks as probes, each key reported.

import type { AgentConfig, Config, HealthCheckConfig } from "../config/types.ts";
import { changed, cwdDefaulted, describeCheck, envSources, notifyCheck, wholeSeconds } from "./agents.ts";

import type { Report } from "./report.ts";
import type { YamlValue } from "./yaml.ts";

export type Obj = { [key: string]: YamlValue | undefined };

/** Kubernetes quantities: `512Mi` when whole mebibytes, `500M` when whole megabytes, else bytes. */
export function quantity(bytes: number): string {
  if (bytes % 1048576 === 0) return `${bytes / 1048576}Mi`;
  if (bytes % 1_000_000 === 0) return `${bytes / 1_000_000}M`;
  return String(bytes);
}

/** The agent's container; `name` is its container name. Reports the keys a container carries. */
export function container(agent: AgentConfig, config: Config, name: string, image: string, report: Report): Obj {
  const c: Obj = { name, image, command: agent.command };
  report.ok(agent.name, "command", `container command (the image ${image} must hold ${agent.command[0]})`);
  c.workingDir = agent.cwd;
  if (cwdDefaulted(config, agent))
    report.approx(agent.name, "cwd", `workingDir ${agent.cwd}: the config's folder on this host; the image must hold the project there`);
  else report.ok(agent.name, "cwd", `workingDir ${agent.cwd} (in the image)`);
  const env = Object.entries(agent.env).map(([key, value]): Obj => ({ name: key, value }));
  if (env.length > 0) c.env = env;
  const { own } = envSources(agent);
  if (Object.keys(own).length > 0) report.ok(agent.name, "env", `env (${Object.keys(own).join(", ")})`);
  if (agent.env_file !== null) report.approx(agent.name, "env_file", "its variables inlined into env as read now (put secrets in a Secret and use envFrom)");
  if (agent.max_memory !== null) {
    c.resources = { limits: { memory: quantity(agent.max_memory) } };
    report.approx(
      agent.name,
      "max_memory",
      `resources.limits.memory ${quantity(agent.max_memory)}: a cgroup limit enforced by the OOM killer, not RSS samples`,
    );
  }
  if (agent.user) {
    const security: Obj = { runAsUser: agent.user.uid };
    const numeric = /^\d+$/.test(agent.user.user);
    if (numeric) report.ok(agent.name, "user", `securityContext.runAsUser ${agent.user.uid}`);
    else
      report.approx(agent.name, "user", `securityContext.runAsUser ${agent.user.uid}: '${agent.user.user}' as this host resolves it; the image's may differ`);
    if (agent.user.group !== null) {
      security.runAsGroup = agent.user.gid;
      if (/^\d+$/.test(agent.user.group)) report.ok(agent.name, "group", `securityContext.runAsGroup ${agent.user.gid}`);
      else report.approx(agent.name, "group", `securityContext.runAsGroup ${agent.user.gid}: '${agent.user.group}' as this host resolves it`);
    }
    c.securityContext = security;
  }
  if (agent.umask !== null) report.none(agent.name, "umask", "a container has no umask setting: set it in the image's entrypoint");
  if (changed(agent, "stop_signal")) report.none(agent.name, "stop_signal", `the kubelet sends SIGTERM (or the image's STOPSIGNAL), not ${agent.stop_signal}`);
  if (agent.log_max_size !== config.orchestrator.log_max_size || agent.log_keep !== config.orchestrator.log_keep) {
    report.none(agent.name, "log_max_size, log_keep", "kubectl logs: the kubelet rotates container logs for every pod alike");
  }
  probes(agent, c, report);
  return c;
}

function probes(agent: AgentConfig, c: Obj, report: Report): void {
  if (agent.ready) {
    const probe = toProbe(agent.ready, false);
    if (probe.probe) c.readinessProbe = probe.probe;
    report.add({ agent: agent.name, key: "ready", level: probe.level, note: `readinessProbe: ${probe.note}` });
  }
  if (agent.alive) {
    const probe = toProbe(agent.alive, true);
    if (probe.probe) c.livenessProbe = probe.probe;
    report.add({ agent: agent.name, key: "alive", level: probe.level, note: `livenessProbe: ${probe.note}` });
  }
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "0.0.0.0"]);

/** A check as a probe; `liveness` probes must have successThreshold 1. */
export function toProbe(check: HealthCheckConfig, liveness: boolean): { probe: Obj | null; level: "converted" | "approximated" | "none"; note: string } {
  if (notifyCheck(check)) return { probe: null, level: "none", note: "no equivalent: Kubernetes has no sd_notify readiness" };
  const t = check.target;
  let action: Obj;
  let what: string;
  switch (t.kind) {
    case "log":
      return { probe: null, level: "none", note: `no equivalent: the kubelet cannot watch output for ${describeCheck(check)}` };
    case "command":
      action = { exec: { command: t.command } };
      what = "exec";
      break;
    case "tcp":
      action = { tcpSocket: { port: t.port, host: LOOPBACK.has(t.host) ? undefined : t.host } };
      what = `tcpSocket ${t.port}`;
      break;
    case "http": {
      const url = new URL(t.url);
      const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
      action = {
        httpGet: {
          path: `${url.pathname}${url.search}`,
          port,
          host: LOOPBACK.has(url.hostname) ? undefined : url.hostname,
          scheme: url.protocol === "https:" ? "HTTPS" : undefined,
        },
      };
      what = `httpGet ${port}${url.pathname} (probed on the pod's IP; 2xx and 3xx pass)`;
      break;
    }
    default:
      return { probe: null, level: "none", note: "no equivalent" };
  }
  const period = wholeSeconds(check.interval, 1);
  const timeout = wholeSeconds(check.timeout, 1);
  const delay = wholeSeconds(check.initial_delay);
  const success = liveness ? 1 : check.success_threshold;
  const probe: Obj = {
    ...action,
    initialDelaySeconds: delay.value,
    periodSeconds: period.value,
    timeoutSeconds: timeout.value,
    successThreshold: success,
    failureThreshold: check.failure_threshold,
  };
  const lossy: string[] = [];
  if (period.rounded || timeout.rounded || delay.rounded) lossy.push("times rounded up to whole seconds");
  if (success !== check.success_threshold) lossy.push(`success_threshold ${check.success_threshold} → 1 (liveness probes take no other)`);
  return { probe, level: lossy.length > 0 ? "approximated" : "converted", note: [what, ...lossy].join("; ") };
}
