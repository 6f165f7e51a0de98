// export nomad: one service job with a group per dependency island (providers as prestart tasks
// or prestart sidecars), a batch job for islands of oneshots, and a periodic batch job per
// periodic agent; written as HCL or, with --json, as the API's JSON.

import { parseCron } from "../common/cron.ts";
import type { AgentConfig, Config } from "../config/types.ts";
import { byName, islands, secondsText, slug } from "./agents.ts";
import { cronTexts, intervalCron } from "./cron-text.ts";
import { type NomadGroup, type NomadJob, type Phase, rank } from "./nomad-model.ts";
import { jobHcl, jobJson } from "./nomad-write.ts";
import { task } from "./nomad-task.ts";
import { reportOrchestrator } from "./orchestrator-keys.ts";
import { Report } from "./report.ts";
import type { ExportFile, Exported, ExportOptions } from "./types.ts";

export function exportNomad(config: Config, options: ExportOptions): Exported {
  const image = options.image ?? "";
  const report = new Report();
  const id = slug(config.orchestrator.name, 63);
  reportOrchestrator(config, report, { cli: "the nomad CLI", logs: "nomad alloc logs", name: `job "${id}" (and "${id}-…" for batch and periodic jobs)` });
  const jobs: NomadJob[] = [];
  const loops = (a: AgentConfig) => a.kind === "periodic" && cronOf(a) === null;
  const service: NomadJob = { id, type: "service", periodic: null, groups: [] };
  const batch: NomadJob = { id: `${id}-oneshots`, type: "batch", periodic: null, groups: [] };
  for (const island of islands(config, (a) => a.kind !== "periodic" || loops(a))) {
    const job = island.some((a) => a.kind !== "oneshot") ? service : batch;
    job.groups.push(group(island, job, config, image, report));
  }
  for (const job of [service, batch]) if (job.groups.length > 0) jobs.push(job);
  for (const agent of config.agents.filter((a) => a.kind === "periodic" && !loops(a))) jobs.push(periodicJob(agent, id, config, image, report));
  reportCrossJobEdges(config, jobs, report);
  const files: ExportFile[] = jobs.map((job) =>
    options.json
      ? { name: `${job.id}.nomad.json`, content: `${JSON.stringify(jobJson(job), null, 2)}\n` }
      : { name: `${job.id}.nomad.hcl`, content: jobHcl(job) },
  );
  return { files, report };
}

/** A periodic agent's cron expressions, or null when its interval fits no cron slot. */
function cronOf(agent: AgentConfig): string[] | null {
  if (agent.schedule !== null) {
    const parsed = parseCron(agent.schedule);
    if (!parsed.ok) throw new Error(`agents.${agent.name}.schedule: ${parsed.error}`);
    return cronTexts(parsed.schedule).texts;
  }
  const cron = intervalCron(agent.execution_interval ?? 0);
  return cron === null ? null : [cron];
}

/** Where each agent of an island runs in Nomad's task lifecycle. */
function phases(island: readonly AgentConfig[], type: NomadJob["type"]): Map<string, Phase> {
  const isProvider = (agent: AgentConfig) => island.some((other) => Object.hasOwn(other.depends_on, agent.name));
  const result = new Map<string, Phase>();
  for (const agent of island) {
    const long = agent.kind !== "oneshot";
    if (isProvider(agent)) result.set(agent.name, long ? "prestart-sidecar" : "prestart");
    else result.set(agent.name, long || type === "batch" ? "main" : "poststart");
  }
  // A group needs a main task: then its long-running providers are the main tasks.
  if (![...result.values()].includes("main")) {
    for (const agent of island) if (agent.kind !== "oneshot") result.set(agent.name, "main");
  }
  return result;
}

function group(island: AgentConfig[], job: NomadJob, config: Config, image: string, report: Report): NomadGroup {
  const first = island.find((a) => a.kind !== "oneshot") ?? (island[0] as AgentConfig);
  const g: NomadGroup = { name: first.name, count: first.autostart ? (first.instances ?? 1) : 0, ports: [], maxRunDuration: null, tasks: [] };
  if (first.instances !== null)
    report.approx(
      first.name,
      "instances",
      `count = ${first.instances} of group "${g.name}" (NOMAD_ALLOC_INDEX, from 0, tells copies apart; the group's other tasks are copied too)`,
    );
  for (const agent of island)
    if (agent !== first && agent.instances !== null)
      report.none(agent.name, "instances", `copies of one task of a group: only the group's count can copy, and it copies every task`);
  const phase = phases(island, job.type);
  for (const agent of island) {
    const p = phase.get(agent.name) as Phase;
    const t = task(agent, p, g, config, image, job.id, report);
    g.tasks.push(t);
    const where = p === "main" ? "a main task" : `a ${p.replace("-", " ")} task`;
    report.ok(agent.name, "kind", `${agent.kind} → ${where} of group "${g.name}" in ${job.type} job "${job.id}"`);
    if (agent.kind === "periodic") loopTask(agent, t.entrypoint, report, (argv) => (t.entrypoint = argv));
    if (!agent.autostart && agent !== first) report.none(agent.name, "autostart", `starts with group "${g.name}": a task cannot be left out of its group`);
    else if (!agent.autostart) report.ok(agent.name, "autostart", `count = 0 (nomad job scale … ${g.name} 1 starts it)`);
    if (agent.timeout !== null && agent.kind === "periodic") report.ok(agent.name, "timeout", `timeout ${agent.timeout} around each run, in the loop`);
    else if (agent.timeout !== null) {
      if (job.type === "batch" && island.length === 1) {
        g.maxRunDuration = agent.timeout;
        report.ok(agent.name, "timeout", `max_run_duration = "${secondsText(agent.timeout).replace(" ", "")}" (Nomad 2.0 and later)`);
      } else report.none(agent.name, "timeout", "Nomad bounds the run of a whole batch group only, and this task shares its group");
    }
  }
  for (const agent of island) reportEdges(agent, phase, report);
  return g;
}

function reportEdges(agent: AgentConfig, phase: Map<string, Phase>, report: Report): void {
  const mine = phase.get(agent.name) as Phase;
  for (const [name, condition] of Object.entries(agent.depends_on)) {
    const theirs = phase.get(name);
    if (theirs === undefined) continue;
    const key = `depends_on.${name}`;
    if (rank(theirs) >= rank(mine)) {
      report.approx(agent.name, key, `both run in the ${theirs} phase, started together: Nomad orders only prestart → main → poststart`);
    } else if (theirs === "prestart") {
      if (condition === "completed") report.ok(agent.name, key, `${name} is a prestart task: main tasks start once it has exited 0`);
      else report.approx(agent.name, key, `${name} is a prestart task: this waits for its end, not its start`);
    } else if (condition === "completed") {
      report.none(agent.name, key, `${name} runs on beside this task (${theirs}): no completed condition between them`);
    } else if (condition === "ready") {
      report.approx(agent.name, key, `${name} starts first (${theirs}); Nomad does not wait for its checks`);
    } else report.ok(agent.name, key, `${name} starts first (${theirs})`);
  }
}

function loopTask(agent: AgentConfig, argv: string[], report: Report, set: (argv: string[]) => void): void {
  const every = agent.execution_interval ?? 0;
  const run = agent.timeout === null ? '"$@"' : `timeout ${agent.timeout} "$@"`;
  set(["/bin/sh", "-c", `while :; do ${run}; sleep ${every}; done`, agent.name, ...argv]);
  report.approx(
    agent.name,
    "execution_interval",
    `no cron slot fits ${secondsText(every)}: a service task whose shell runs it, then sleeps ${secondsText(every)}`,
  );
}

function periodicJob(agent: AgentConfig, id: string, config: Config, image: string, report: Report): NomadJob {
  const crons = cronOf(agent) as string[];
  const job: NomadJob = {
    id: `${id}-${slug(agent.name)}`.slice(0, 63),
    type: "batch",
    periodic: { crons, prohibitOverlap: true, enabled: agent.autostart },
    groups: [],
  };
  const g: NomadGroup = { name: agent.name, count: 1, ports: [], maxRunDuration: agent.timeout, tasks: [] };
  g.tasks.push(task(agent, "main", g, config, image, job.id, report));
  job.groups.push(g);
  report.ok(agent.name, "kind", `periodic → periodic batch job "${job.id}" (a failed run is not retried)`);
  if (agent.schedule !== null) {
    const parsed = parseCron(agent.schedule);
    const differs = parsed.ok && cronTexts(parsed.schedule).dayRuleDiffers;
    if (differs) report.none(agent.name, "schedule", `crons = ${JSON.stringify(crons)}: a * step day field is read as restricted there, so either day runs`);
    else report.approx(agent.name, "schedule", `periodic { crons = ${JSON.stringify(crons)} } in the Nomad servers' time zone (UTC), not this host's`);
  } else
    report.approx(
      agent.name,
      "execution_interval",
      `crons = ${JSON.stringify(crons)}: on the clock's slots, not ${secondsText(agent.execution_interval ?? 0)} after the previous run`,
    );
  if (agent.timeout !== null) report.ok(agent.name, "timeout", `max_run_duration = "${agent.timeout}s" (Nomad 2.0 and later)`);
  if (!agent.autostart) report.ok(agent.name, "autostart", "periodic { enabled = false }");
  if (agent.overlap === "queue") report.approx(agent.name, "overlap", "prohibit_overlap = true: the due run is skipped, not queued");
  if (agent.overlap === "kill") report.none(agent.name, "overlap", "prohibit_overlap = true: Nomad never ends the running one; the due run is skipped");
  if (agent.jitter > 0) report.none(agent.name, "jitter", "a periodic job has no random delay");
  if (agent.limit !== -1) report.none(agent.name, "limit", `a periodic job has no run count: stop it after ${agent.limit} run(s)`);
  return job;
}

/** Edges between agents that landed in different jobs: Nomad orders nothing across jobs. */
function reportCrossJobEdges(config: Config, jobs: NomadJob[], report: Report): void {
  const jobOf = new Map<string, string>();
  for (const job of jobs) for (const g of job.groups) for (const t of g.tasks) jobOf.set(t.name, `${job.id}/${g.name}`);
  const agents = byName(config);
  for (const agent of config.agents) {
    for (const name of Object.keys(agent.depends_on)) {
      if (!agents.has(name) || jobOf.get(name) === jobOf.get(agent.name)) continue;
      report.none(agent.name, `depends_on.${name}`, `${name} is in another job or group: Nomad orders nothing across them`);
    }
  }
}
