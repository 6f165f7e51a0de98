// GET /metrics: the agents and serve itself in Prometheus' text format, modelled on
// systemd_exporter (a state set per agent, base units, _total counters, one bounded label set).
// Everything comes from memory: the orchestrator's state, the background usage sample, and the
// counters kept from the event stream.

import type { Orchestrator } from "../orchestrator/orchestrator.ts";
import type { AgentStatus } from "../protocol/agents.ts";
import { type EventCounters, RUN_BUCKETS } from "./counters.ts";
import { Exposition, label } from "./prometheus.ts";
import type { UsageSampler } from "./usage.ts";

/** Every status, in the order the state set lists them (a status missing here does not compile). */
const STATES: readonly AgentStatus[] = Object.keys({
  waiting: 0,
  starting: 0,
  running: 0,
  stopping: 0,
  stopped: 0,
  completed: 0,
  failed: 0,
  backoff: 0,
} satisfies Record<AgentStatus, 0>) as AgentStatus[];

/** The state labels, built once: `state="running"`. */
const STATE_LABELS = new Map(STATES.map((state) => [state, label("state", state)]));

export interface MetricsSources {
  orchestrator: Orchestrator;
  usage: UsageSampler;
  counters: EventCounters;
  version: string;
}

export function renderMetrics({ orchestrator, usage, counters, version }: MetricsSources): string {
  const out = new Exposition();
  const runtimes = orchestrator.list();
  const agents = runtimes.map((runtime) => ({ runtime, name: runtime.config.name, labels: label("agent", runtime.config.name) }));
  counters.keepOnly(new Set(agents.map((agent) => agent.name)));

  out.family("pyorchestrate_agent_info", "gauge", "Always 1: each configured agent and its kind.");
  for (const { runtime, labels } of agents) out.sample("pyorchestrate_agent_info", `${labels},${label("kind", runtime.config.kind)}`, 1);
  out.family("pyorchestrate_agent_up", "gauge", "1 when the agent has a process now (starting, running or stopping), else 0.");
  for (const { runtime, labels } of agents) out.sample("pyorchestrate_agent_up", labels, runtime.process ? 1 : 0);
  out.family("pyorchestrate_agent_ready", "gauge", "1 when the agent is running (and has passed its ready check, if it has one), else 0.");
  for (const { runtime, labels } of agents) out.sample("pyorchestrate_agent_ready", labels, runtime.status === "running" ? 1 : 0);
  out.family("pyorchestrate_agent_state", "gauge", "The agent's status: one series per status, 1 for the current one.");
  for (const { runtime, labels } of agents) {
    for (const state of STATES) out.sample("pyorchestrate_agent_state", `${labels},${STATE_LABELS.get(state)}`, runtime.status === state ? 1 : 0);
  }
  out.family("pyorchestrate_agent_restarts_total", "counter", "Restarts of the agent (after exits and by command) since it was defined.");
  for (const { runtime, labels } of agents) out.sample("pyorchestrate_agent_restarts_total", labels, runtime.restarts);

  const sampled = agents.flatMap((agent) => {
    const latest = usage.latest(agent.name);
    return latest && latest.pid === agent.runtime.process?.pid ? [{ ...agent, latest }] : [];
  });
  out.family("pyorchestrate_agent_cpu_seconds_total", "counter", "CPU time (user and system) of the agent's current main process, at the last sample.");
  for (const { labels, latest } of sampled) out.sample("pyorchestrate_agent_cpu_seconds_total", labels, latest.cpuSeconds);
  out.family("pyorchestrate_agent_resident_memory_bytes", "gauge", "Resident memory of the agent's current main process, at the last sample.");
  for (const { labels, latest } of sampled) out.sample("pyorchestrate_agent_resident_memory_bytes", labels, latest.memoryBytes);
  out.family("pyorchestrate_agent_start_time_seconds", "gauge", "When the agent's current process started, seconds since the epoch.");
  for (const { runtime, labels } of agents) {
    if (runtime.process) out.sample("pyorchestrate_agent_start_time_seconds", labels, runtime.process.startedAt / 1000);
  }
  out.family("pyorchestrate_agent_last_exit_code", "gauge", "Exit status of the agent's last process (128 + signal number when a signal ended it).");
  for (const { runtime, labels } of agents) {
    if (runtime.lastExitCode !== null) out.sample("pyorchestrate_agent_last_exit_code", labels, runtime.lastExitCode);
  }
  out.family("pyorchestrate_agent_next_run_timestamp_seconds", "gauge", "The next periodic run or backoff retry, seconds since the epoch.");
  for (const { runtime, labels } of agents) {
    if (runtime.nextRunAt !== null) out.sample("pyorchestrate_agent_next_run_timestamp_seconds", labels, runtime.nextRunAt / 1000);
  }
  out.family(
    "pyorchestrate_agent_health_check_healthy",
    "gauge",
    "Result of the agent's ready or alive check: 1 healthy, 0 failing (absent before its first result).",
  );
  for (const { runtime, labels } of agents) {
    for (const [check, view] of Object.entries(orchestrator.healthOf(runtime))) {
      if (view && view.healthy !== null) out.sample("pyorchestrate_agent_health_check_healthy", `${labels},${label("check", check)}`, view.healthy ? 1 : 0);
    }
  }

  const periodic = agents.filter(({ runtime }) => runtime.config.kind === "periodic");
  out.family("pyorchestrate_agent_last_success_timestamp_seconds", "gauge", "When the periodic agent's last successful run ended, seconds since the epoch.");
  for (const { name, labels } of periodic) {
    const last = counters.runs.get(name)?.lastSuccess;
    if (last !== undefined && last !== null) out.sample("pyorchestrate_agent_last_success_timestamp_seconds", labels, last);
  }
  out.family("pyorchestrate_agent_run_duration_seconds", "histogram", "Duration of the periodic agent's runs since serve started.");
  for (const { name, labels } of periodic) {
    const runs = counters.runs.get(name);
    out.histogram("pyorchestrate_agent_run_duration_seconds", labels, RUN_BUCKETS, runs?.buckets ?? [], runs?.sum ?? 0, runs?.count ?? 0);
  }

  orchestratorFamilies(out, orchestrator, counters, version);
  processFamilies(out, usage);
  out.family("pyorchestrate_resource_sample_timestamp_seconds", "gauge", "When agents' CPU and memory were last sampled, seconds since the epoch.");
  out.sample("pyorchestrate_resource_sample_timestamp_seconds", "", usage.sampledAt / 1000);
  return out.text();
}

function orchestratorFamilies(out: Exposition, orchestrator: Orchestrator, counters: EventCounters, version: string): void {
  const byState = new Map<AgentStatus, number>(STATES.map((state) => [state, 0]));
  for (const runtime of orchestrator.list()) byState.set(runtime.status, (byState.get(runtime.status) ?? 0) + 1);
  out.family("pyorchestrate_agents", "gauge", "Agents by status.");
  for (const state of STATES) out.sample("pyorchestrate_agents", STATE_LABELS.get(state) ?? "", byState.get(state) ?? 0);
  out.family("pyorchestrate_queued_agents", "gauge", "Agents waiting for a max_workers slot.");
  out.sample("pyorchestrate_queued_agents", "", orchestrator.queuePositions().size);
  out.family("pyorchestrate_max_workers", "gauge", "Agents allowed to run at once (0 = no limit).");
  out.sample("pyorchestrate_max_workers", "", orchestrator.config.orchestrator.max_workers);
  out.family("pyorchestrate_events_total", "counter", "Events recorded since serve started, by type.");
  for (const [type, n] of [...counters.byType].sort(byKey)) out.sample("pyorchestrate_events_total", label("type", type), n);
  out.family(
    "pyorchestrate_commands_total",
    "counter",
    "Commands answered since serve started (socket and HTTP), by command and outcome (success or the error code).",
  );
  for (const [key, n] of [...counters.commands].sort(byKey)) {
    const [command = "", outcome = ""] = key.split(" ");
    out.sample("pyorchestrate_commands_total", `${label("command", command)},${label("outcome", outcome)}`, n);
  }
  out.family("pyorchestrate_build_info", "gauge", "Always 1: the version of serve.");
  out.sample("pyorchestrate_build_info", label("version", version), 1);
}

/** The standard process_* metrics of serve itself. */
function processFamilies(out: Exposition, usage: UsageSampler): void {
  const cpu = process.cpuUsage();
  out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  out.sample("process_cpu_seconds_total", "", (cpu.user + cpu.system) / 1e6);
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.sample("process_resident_memory_bytes", "", process.memoryUsage.rss());
  out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes (at the last sample).");
  out.sample("process_virtual_memory_bytes", "", usage.serve.virtualMemoryBytes);
  out.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  out.sample("process_start_time_seconds", "", Math.round(performance.timeOrigin) / 1000);
  out.family("process_open_fds", "gauge", "Number of open file descriptors (at the last sample).");
  out.sample("process_open_fds", "", usage.serve.openFds);
  out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  out.sample("process_max_fds", "", usage.serve.maxFds);
}

function byKey([a]: [string, number], [b]: [string, number]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
