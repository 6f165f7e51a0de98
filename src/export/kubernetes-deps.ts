// Kubernetes: depends_on edges as init containers that wait (kubectl wait, with a ServiceAccount
// allowed to read the providers), or — with --sidecars — providers inside the dependent's Pod:
// oneshots as init containers that run to completion, looping agents as native sidecars.

import type { AgentConfig, Config } from "../config/types.ts";
import { type Obj, toProbe } from "./kubernetes-pod.ts";
import type { Report } from "./report.ts";

/** The image of the wait containers: its entrypoint is kubectl. Replace it to use a mirror. */
export const WAIT_IMAGE = "registry.k8s.io/kubectl:v1.33.0";

/** What an agent became, so an edge knows what it can wait for. */
export type Workload = { kind: "Deployment" | "Job" | "CronJob"; name: string };

export interface WaitPlan {
  initContainers: Obj[];
  /** The pod needs the waiter ServiceAccount. */
  needsAccount: boolean;
}

/** Init containers that hold the agent until its providers outside its Pod are where the edge wants them. */
export function waitContainers(agent: AgentConfig, workloads: Map<string, Workload>, inPod: ReadonlySet<string>, config: Config, report: Report): WaitPlan {
  const initContainers: Obj[] = [];
  for (const [name, condition] of Object.entries(agent.depends_on)) {
    if (inPod.has(name)) continue;
    const workload = workloads.get(name);
    const provider = config.agents.find((a) => a.name === name);
    if (!workload || !provider) continue;
    const key = `depends_on.${name}`;
    const wait = (what: string, args: string[]) => {
      initContainers.push({ name: `wait-${workload.name}`.slice(0, 63), image: WAIT_IMAGE, args: ["wait", ...args, "--timeout=-1s"] });
      return what;
    };
    if (workload.kind === "CronJob") {
      if (condition === "completed") report.none(agent.name, key, `a CronJob never completes as a whole: ${agent.name} does not wait for ${name}`);
      else report.approx(agent.name, key, `a CronJob has no state to wait for: ${agent.name} starts at once`);
      continue;
    }
    if (workload.kind === "Job") {
      const note = wait(`init container: kubectl wait --for=condition=complete job/${workload.name}`, ["--for=condition=complete", `job/${workload.name}`]);
      if (condition === "completed") report.ok(agent.name, key, note);
      else report.approx(agent.name, key, `${note} (waits for the oneshot to finish, not just to start)`);
      continue;
    }
    const note = wait(`init container: kubectl wait --for=condition=Available deployment/${workload.name}`, [
      "--for=condition=Available",
      `deployment/${workload.name}`,
    ]);
    const probed = provider.ready !== null && toProbe(provider.ready, false).probe !== null;
    if (condition === "completed") report.none(agent.name, key, `a Deployment never completes; ${note} instead`);
    else if (condition === "started" && probed) report.approx(agent.name, key, `${note}: waits for its readiness probe, not just its start`);
    else if (condition === "ready" && provider.ready !== null && !probed) {
      report.approx(agent.name, key, `${note}: its ready check has no probe, so this waits for its start only`);
    } else report.ok(agent.name, key, `${note} (its pods ready)`);
  }
  return { initContainers, needsAccount: initContainers.length > 0 };
}

/** The ServiceAccount, Role and RoleBinding the wait containers run with: read Deployments and Jobs. */
export function waiterAccess(name: string, labels: Obj): Obj[] {
  const metadata = { name, labels };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: [
        { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      subjects: [{ kind: "ServiceAccount", name }],
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    },
  ];
}

export interface PodGroup {
  /** Agents that become the Pod's main containers (looping agents nothing in the group depends on). */
  main: AgentConfig[];
  /** The rest, providers first: oneshots as init containers, looping agents as native sidecars. */
  init: AgentConfig[];
}

/**
 * --sidecars: a dependency island of looping and oneshot agents as one Pod, when it has looping
 * agents at its end (a Pod's main containers run forever). Null when the island does not fit.
 */
export function podGroup(island: readonly AgentConfig[]): PodGroup | null {
  if (island.length < 2) return null;
  const names = new Set(island.map((a) => a.name));
  const isProvider = (agent: AgentConfig) => island.some((other) => Object.hasOwn(other.depends_on, agent.name));
  const main = island.filter((a) => !isProvider(a));
  if (main.length === 0 || main.some((a) => a.kind !== "looping")) return null;
  // Providers in dependency order (providers before their dependents).
  const init: AgentConfig[] = [];
  const pending = island.filter(isProvider);
  while (pending.length > 0) {
    const index = pending.findIndex((a) => Object.keys(a.depends_on).every((p) => !names.has(p) || init.some((i) => i.name === p)));
    init.push(...pending.splice(index === -1 ? 0 : index, 1));
  }
  return { main, init };
}
