// export kubernetes: a Deployment per looping agent, a Job per oneshot, a CronJob per periodic
// agent (or a Deployment running a loop when its interval fits no cron), init containers for
// depends_on, and --sidecars Pods that keep a dependency island together.

import { parseCron } from "../common/cron.ts";
import type { AgentConfig, Config } from "../config/types.ts";
import { changed, islands, secondsText, slug, wholeSeconds } from "./agents.ts";
import { cronTexts, intervalCron } from "./cron-text.ts";
import { type PodGroup, podGroup, waitContainers, waiterAccess, type Workload } from "./kubernetes-deps.ts";
import { container, type Obj, toProbe } from "./kubernetes-pod.ts";
import { reportOrchestrator } from "./orchestrator-keys.ts";
import { Report } from "./report.ts";
import type { ExportFile, Exported, ExportOptions } from "./types.ts";
import { toYaml } from "./yaml.ts";

interface Plan {
  workloads: Map<string, Workload>;
  /** --sidecars: the group an agent's Deployment holds, by the name of each member. */
  groups: Map<string, PodGroup>;
}

export function exportKubernetes(config: Config, options: ExportOptions): Exported {
  const image = options.image ?? "";
  const report = new Report();
  const app = slug(config.orchestrator.name);
  const account = `${app}-waiter`.slice(0, 63);
  reportOrchestrator(config, report, { cli: "kubectl", logs: "kubectl logs", name: `label app.kubernetes.io/part-of: ${app} on every object` });
  const plan = planWorkloads(config, options.sidecars);
  const objects: Obj[] = [];
  let needsAccount = false;
  const done = new Set<string>();
  for (const agent of config.agents) {
    if (done.has(agent.name)) continue;
    const group = plan.groups.get(agent.name);
    const members = group ? [...group.init, ...group.main] : [agent];
    for (const member of members) done.add(member.name);
    const workload = plan.workloads.get(agent.name) as Workload;
    const labels: Obj = { "app.kubernetes.io/name": workload.name, "app.kubernetes.io/part-of": app };
    const pod = podSpec(members, group ?? null, workload.kind, config, image, plan, report);
    needsAccount ||= pod.serviceAccountName !== undefined;
    if (pod.serviceAccountName !== undefined) pod.serviceAccountName = account;
    const metadata: Obj = { name: workload.name, labels, annotations: { "pyorchestrate/agents": members.map((m) => m.name).join(",") } };
    if (group) reportGroup(group, workload, report);
    objects.push(workloadObject(group ? (group.main[0] as AgentConfig) : agent, workload, metadata, pod, report));
  }
  if (needsAccount) objects.unshift(...waiterAccess(account, { "app.kubernetes.io/part-of": app }));
  const files: ExportFile[] = objects.map((object) => {
    const name = `${(object.metadata as Obj).name}-${String(object.kind).toLowerCase()}`;
    return options.json ? { name: `${name}.json`, content: `${JSON.stringify(object, null, 2)}\n` } : { name: `${name}.yaml`, content: toYaml(object) };
  });
  return { files, report };
}

/** Each agent's object kind and name; with --sidecars, islands that fit one Pod share a Deployment. */
function planWorkloads(config: Config, sidecars: boolean): Plan {
  const workloads = new Map<string, Workload>();
  const groups = new Map<string, PodGroup>();
  const taken = new Set<string>();
  const unique = (base: string) => {
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 48)}-${i}`;
    taken.add(name);
    return name;
  };
  if (sidecars) {
    for (const island of islands(config, (a) => a.kind !== "periodic")) {
      const group = podGroup(island);
      if (!group) continue;
      const name = unique(slug((group.main[0] as AgentConfig).name));
      for (const member of island) {
        groups.set(member.name, group);
        workloads.set(member.name, { kind: "Deployment", name });
      }
    }
  }
  for (const agent of config.agents) {
    if (workloads.has(agent.name)) continue;
    workloads.set(agent.name, { kind: kindOf(agent), name: unique(slug(agent.name)) });
  }
  return { workloads, groups };
}

function kindOf(agent: AgentConfig): Workload["kind"] {
  if (agent.kind === "looping") return "Deployment";
  if (agent.kind === "oneshot") return "Job";
  if (agent.schedule !== null || (agent.execution_interval !== null && intervalCron(agent.execution_interval) !== null)) return "CronJob";
  return "Deployment";
}

function podSpec(members: AgentConfig[], group: PodGroup | null, kind: Workload["kind"], config: Config, image: string, plan: Plan, report: Report): Obj {
  const inPod = new Set(members.map((m) => m.name));
  const containerName = (agent: AgentConfig) => slug(agent.name, 63);
  const initContainers: Obj[] = [];
  let account = false;
  for (const agent of members) {
    const waits = waitContainers(agent, plan.workloads, inPod, config, report);
    initContainers.push(...waits.initContainers);
    account ||= waits.needsAccount;
  }
  const main = group ? group.main : members;
  for (const agent of group?.init ?? []) {
    const c = container(agent, config, containerName(agent), image, report);
    if (agent.kind === "looping") {
      c.restartPolicy = "Always";
      const probe = agent.ready ? toProbe(agent.ready, false).probe : null;
      if (probe) c.startupProbe = probe;
    }
    initContainers.push(c);
    reportInPod(agent, group as PodGroup, startup(agent), report);
  }
  const containers = main.map((agent) => mainContainer(agent, config, containerName(agent), image, report));
  const grace = Math.max(...members.map((a) => wholeSeconds(a.stop_timeout).value));
  for (const agent of members) {
    if (!changed(agent, "stop_timeout")) continue;
    if (grace === agent.stop_timeout) report.ok(agent.name, "stop_timeout", `terminationGracePeriodSeconds: ${grace}`);
    else report.approx(agent.name, "stop_timeout", `terminationGracePeriodSeconds: ${grace} (whole seconds, the longest in its Pod)`);
  }
  return {
    serviceAccountName: account ? "" : undefined,
    restartPolicy: kind === "Deployment" ? "Always" : "Never",
    terminationGracePeriodSeconds: grace,
    initContainers: initContainers.length > 0 ? initContainers : undefined,
    containers,
  };
}

/** Whether a sidecar's ready check can hold the containers after it (a startupProbe). */
function startup(agent: AgentConfig): boolean {
  return agent.ready !== null && toProbe(agent.ready, false).probe !== null;
}

function reportInPod(provider: AgentConfig, group: PodGroup, gated: boolean, report: Report): void {
  for (const dependent of [...group.init, ...group.main]) {
    const condition = dependent.depends_on[provider.name];
    if (condition === undefined) continue;
    const key = `depends_on.${provider.name}`;
    if (provider.kind === "oneshot") {
      const note = "init container in the same Pod: runs to completion before the containers after it (a failure restarts the Pod's init)";
      if (condition === "completed") report.ok(dependent.name, key, note);
      else report.approx(dependent.name, key, `${note}; waits for its end, not its start`);
    } else if (condition === "completed") report.none(dependent.name, key, "a native sidecar never completes: ordered after its start only");
    else if (condition === "ready" && provider.ready !== null && !gated)
      report.approx(dependent.name, key, "native sidecar started first; its ready check has no probe, so not waited for");
    else report.ok(dependent.name, key, `native sidecar (restartPolicy: Always) started first${gated ? ", its startupProbe passed" : ""}`);
  }
}

function mainContainer(agent: AgentConfig, config: Config, name: string, image: string, report: Report): Obj {
  const c = container(agent, config, name, image, report);
  if (agent.kind === "periodic" && kindOf(agent) === "Deployment") {
    const every = agent.execution_interval ?? 0;
    const run = agent.timeout === null ? '"$@"' : `timeout ${agent.timeout} "$@"`;
    c.command = ["/bin/sh", "-c", `while :; do ${run}; sleep ${every}; done`, agent.name, ...agent.command];
    report.approx(
      agent.name,
      "execution_interval",
      `no cron slot fits ${secondsText(every)}: a Deployment whose shell runs it, then sleeps ${secondsText(every)} (the image needs sh${agent.timeout === null ? "" : " and timeout"})`,
    );
  }
  return c;
}

function workloadObject(agent: AgentConfig, workload: Workload, metadata: Obj, pod: Obj, report: Report): Obj {
  const template = { metadata: { labels: metadata.labels }, spec: pod };
  if (workload.kind === "Deployment") {
    if (agent.kind === "looping") {
      report.ok(agent.name, "kind", `looping → Deployment ${workload.name} (one replica, Recreate: never two at once)`);
      restartRows(agent, report);
    } else report.ok(agent.name, "kind", `periodic → Deployment ${workload.name} running the agent in a loop`);
    const copies = agent.instances ?? 1;
    if (!agent.autostart) report.ok(agent.name, "autostart", `replicas: 0 (kubectl scale --replicas=${copies} starts it)`);
    if (agent.instances !== null) {
      report.approx(
        agent.name,
        "instances",
        `replicas: ${copies} (copies are told apart by pod name, not PYORCHESTRATE_INSTANCE; Recreate still replaces them all at once)`,
      );
    }
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        replicas: agent.autostart ? copies : 0,
        strategy: { type: "Recreate" },
        selector: { matchLabels: { "app.kubernetes.io/name": workload.name } },
        template,
      },
    };
  }
  const jobSpec = (): Obj => {
    const deadline = agent.timeout === null ? undefined : wholeSeconds(agent.timeout, 1);
    if (deadline) {
      const note = `activeDeadlineSeconds: ${deadline.value}${deadline.rounded ? " (rounded up)" : ""}`;
      if (deadline.rounded) report.approx(agent.name, "timeout", note);
      else report.ok(agent.name, "timeout", note);
    }
    return { backoffLimit: 0, activeDeadlineSeconds: deadline?.value, template };
  };
  if (workload.kind === "Job") {
    report.ok(agent.name, "kind", `oneshot → Job ${workload.name} (backoffLimit 0: a failure is not retried)`);
    if (!agent.autostart) report.ok(agent.name, "autostart", "suspend: true (kubectl patch … suspend=false starts it)");
    return { apiVersion: "batch/v1", kind: "Job", metadata, spec: { suspend: agent.autostart ? undefined : true, ...jobSpec() } };
  }
  return { apiVersion: "batch/v1", kind: "CronJob", metadata, spec: cronSpec(agent, workload, jobSpec(), report) };
}

function reportGroup(group: PodGroup, workload: Workload, report: Report): void {
  for (const agent of group.init) {
    const as = agent.kind === "looping" ? "a native sidecar (init container, restartPolicy: Always)" : "an init container (runs to completion)";
    report.ok(agent.name, "kind", `${agent.kind} → ${as} of Deployment ${workload.name} (--sidecars)`);
    if (agent.kind === "looping") restartRows(agent, report);
    if (!agent.autostart) report.none(agent.name, "autostart", `starts with Deployment ${workload.name}: a container cannot be left out of its Pod`);
  }
  for (const agent of group.main.slice(1)) {
    report.ok(agent.name, "kind", `looping → a container of Deployment ${workload.name} (--sidecars)`);
    restartRows(agent, report);
  }
}

function restartRows(agent: AgentConfig, report: Report): void {
  if (agent.restart === "always") report.ok(agent.name, "restart", "the kubelet restarts the container (growing backoff up to 5 min)");
  else if (agent.restart === "on-failure") report.approx(agent.name, "restart", "a Deployment restarts its container after any exit, a clean one too");
  else report.none(agent.name, "restart", "a Deployment always restarts its container: 'never' has no equivalent");
  if (changed(agent, "max_restarts") || changed(agent, "restart_window")) {
    report.none(agent.name, "max_restarts, restart_window", "the kubelet restarts forever (CrashLoopBackOff): the agent never becomes failed");
  }
}

function cronSpec(agent: AgentConfig, workload: Workload, jobTemplate: Obj, report: Report): Obj {
  report.ok(agent.name, "kind", `periodic → CronJob ${workload.name} (a failed run is not retried)`);
  let schedule: string;
  if (agent.schedule !== null) {
    const parsed = parseCron(agent.schedule);
    if (!parsed.ok) throw new Error(`agents.${agent.name}.schedule: ${parsed.error}`);
    // robfig/cron applies vixie's either-day rule to a single expression, so both days go in one.
    const texts = cronTexts(parsed.schedule, false);
    schedule = texts.texts[0] as string;
    if (texts.dayRuleDiffers)
      report.none(agent.name, "schedule", `${schedule}: Kubernetes reads a * step day field as restricted and runs on either day, serve on both`);
    else report.approx(agent.name, "schedule", `schedule "${schedule}" in the controller's time zone (UTC unless you set spec.timeZone), not this host's`);
  } else {
    schedule = intervalCron(agent.execution_interval ?? 0) as string;
    report.approx(
      agent.name,
      "execution_interval",
      `schedule "${schedule}": on the clock's slots, not ${secondsText(agent.execution_interval ?? 0)} after the previous run`,
    );
  }
  const policy = agent.overlap === "kill" ? "Replace" : "Forbid";
  if (agent.overlap === "kill") report.ok(agent.name, "overlap", "concurrencyPolicy: Replace");
  if (agent.overlap === "queue") report.approx(agent.name, "overlap", "concurrencyPolicy: Forbid (the nearest: the due run is skipped, not queued)");
  if (agent.jitter > 0) report.none(agent.name, "jitter", "a CronJob has no random delay");
  if (agent.limit !== -1) report.none(agent.name, "limit", `a CronJob has no run count: delete it after ${agent.limit} run(s)`);
  if (!agent.autostart) report.ok(agent.name, "autostart", "suspend: true");
  return { schedule, concurrencyPolicy: policy, suspend: agent.autostart ? undefined : true, jobTemplate: { spec: jobTemplate } };
}
