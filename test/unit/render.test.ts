// Renderers: whole outputs against the reference's terminal lines, plus edge cases.
// Times of day are rendered in local time; pin the zone before any Date is made.
process.env.TZ = "UTC";

import { describe, expect, test } from "bun:test";
import type { AgentStatusData, OrchestratorStatusData, PsAgent } from "../../src/protocol/commands.ts";
import type { ReportData, StatsData } from "../../src/protocol/reports.ts";
import { renderError } from "../../src/cli/render/error.ts";
import { renderEventLine, renderHistory, renderHistoryStats, summarizeDetails } from "../../src/cli/render/history.ts";
import { renderPs } from "../../src/cli/render/ps.ts";
import { renderReport } from "../../src/cli/render/report.ts";
import { formatMilliseconds, groupThousands } from "../../src/protocol/format.ts";
import { renderRestart } from "../../src/cli/render/restart.ts";
import { renderShutdownEstimate, renderShutdownFrame } from "../../src/cli/render/shutdown.ts";
import { renderStart } from "../../src/cli/render/start.ts";
import { renderStats } from "../../src/cli/render/stats.ts";
import { renderAgentStatus, renderOrchestratorStatus } from "../../src/cli/render/status.ts";
import { utcClock, statusLabel } from "../../src/cli/render/status-label.ts";
import { renderStop } from "../../src/cli/render/stop.ts";
import { renderTable } from "../../src/cli/render/table.ts";

function psAgent(overrides: Partial<PsAgent> & Pick<PsAgent, "name">): PsAgent {
  return {
    status: "running",
    pid: 12345,
    uptime: "00:15:32",
    uptime_seconds: 932,
    kind: "looping",
    waiting_reason: null,
    queue_position: null,
    restarts: 0,
    next_run: null,
    status_text: null,
    groups: [],
    ...overrides,
  };
}

describe("renderTable", () => {
  test("sizes columns to content, three spaces apart, no trailing blanks", () => {
    expect(
      renderTable(
        ["A", "LONGER", "C"],
        [
          ["wide cell", "x", ""],
          ["y", "z", "end"],
        ],
      ),
    ).toBe(["A           LONGER   C", "wide cell   x", "y           z        end"].join("\n"));
  });

  test("honours minimum widths", () => {
    expect(renderTable(["A", "B"], [["1", "2"]], { minWidths: [4] })).toBe("A      B\n1      2");
  });

  test("headers only", () => {
    expect(renderTable(["NAME", "PID"], [])).toBe("NAME   PID");
  });
});

describe("renderPs", () => {
  test("reproduces the reference", () => {
    const data = {
      agents: [
        psAgent({ name: "WeatherAgent", pid: 12345, uptime: "00:15:32" }),
        psAgent({ name: "DataProcessor", status: "waiting", pid: 12346, uptime: "00:15:30" }),
        psAgent({ name: "AlertManager", pid: 12347, uptime: "00:15:28" }),
      ],
    };
    expect(renderPs(data)).toBe(`NAME             STATUS    PID     UPTIME
WeatherAgent     running   12345   00:15:32
DataProcessor    waiting   12346   00:15:30
AlertManager     running   12347   00:15:28`);
  });

  test("no process, waiting reasons, backoff, long names", () => {
    const data = {
      agents: [
        psAgent({ name: "Collector", status: "waiting", pid: null, waiting_reason: "queued" }),
        psAgent({ name: "Reporter", status: "waiting", pid: null, waiting_reason: "dependencies" }),
        psAgent({
          name: "NightlyBackupAgentX",
          status: "waiting",
          pid: null,
          waiting_reason: "next_run",
          next_run: "2025-07-27T10:45:00Z",
        }),
        psAgent({ name: "Flaky", status: "backoff", pid: null, next_run: "2025-07-27T10:45:03Z" }),
        psAgent({ name: "Done", status: "completed", pid: null }),
      ],
    };
    expect(renderPs(data)).toBe(`NAME                  STATUS                         PID   UPTIME
Collector             waiting (queued)               -     -
Reporter              waiting (dependencies)         -     -
NightlyBackupAgentX   waiting (next run 10:45:00Z)   -     -
Flaky                 backoff (retry 10:45:03Z)      -     -
Done                  completed                      -     -`);
  });

  test("no agents", () => {
    expect(renderPs({ agents: [] })).toBe("No agents configured.");
  });
});

describe("status label and UTC clock", () => {
  test("UTC time of day, marked Z, whatever the machine's zone", () => {
    expect(utcClock("2025-07-27T10:45:03Z")).toBe("10:45:03Z");
    expect(utcClock("2025-07-27T23:59:59.900Z")).toBe("23:59:59Z");
    expect(utcClock("2025-07-27T12:45:03+02:00")).toBe("10:45:03Z");
    expect(utcClock("not a time")).toBe("not a time");
  });

  test("labels", () => {
    const none = { waiting_reason: null, queue_position: null, next_run: null };
    expect(statusLabel({ ...none, status: "running" })).toBe("running");
    expect(statusLabel({ ...none, status: "waiting" })).toBe("waiting");
    expect(statusLabel({ ...none, status: "waiting", waiting_reason: "next_run" })).toBe("waiting (next run)");
    expect(statusLabel({ ...none, status: "backoff" })).toBe("backoff");
    expect(statusLabel({ ...none, status: "waiting", waiting_reason: "queued", queue_position: 2 })).toBe("waiting (queued #2)");
    expect(statusLabel({ ...none, status: "waiting", waiting_reason: "queued" })).toBe("waiting (queued)");
  });
});

describe("start / stop / restart", () => {
  const start = { agent: "WeatherAgent", action: "started", status: "running", waiting_reason: null, queue_position: null } as const;

  test("start, as the reference", () => {
    expect(renderStart({ ...start, pid: 12347, also_started: [] })).toBe("✓ Agent 'WeatherAgent' started successfully (PID: 12347)");
  });

  test("start with dependencies started first", () => {
    expect(renderStart({ ...start, pid: 12347, also_started: ["DataSource", "Cache"] })).toBe(
      `✓ Started dependency 'DataSource' first
✓ Started dependency 'Cache' first
✓ Agent 'WeatherAgent' started successfully (PID: 12347)`,
    );
  });

  test("start queued", () => {
    expect(renderStart({ ...start, pid: null, status: "waiting", waiting_reason: "queued", also_started: [] })).toBe(
      "✓ Agent 'WeatherAgent' queued (waiting: queued)",
    );
    expect(renderStart({ ...start, pid: null, status: "waiting", waiting_reason: "queued", queue_position: 3, also_started: [] })).toBe(
      "✓ Agent 'WeatherAgent' queued (waiting: queued #3)",
    );
    expect(renderStart({ ...start, pid: null, status: "waiting", waiting_reason: "next_run", also_started: [] })).toBe(
      "✓ Agent 'WeatherAgent' queued (waiting: next run)",
    );
    expect(renderStart({ ...start, pid: null, status: "completed", also_started: [] })).toBe("✓ Agent 'WeatherAgent' started (status: completed)");
  });

  test("stop", () => {
    expect(renderStop({ agent: "WeatherAgent", action: "stopped", graceful_shutdown: true })).toBe("✓ Agent 'WeatherAgent' stopped gracefully");
    expect(renderStop({ agent: "WeatherAgent", action: "stopped", graceful_shutdown: false })).toBe(
      "✓ Agent 'WeatherAgent' stopped (killed with SIGKILL after stop_timeout)",
    );
  });

  test("restart", () => {
    expect(renderRestart({ agent: "WeatherAgent", action: "restarted", pid: 12350, status: "running" })).toBe(
      "✓ Agent 'WeatherAgent' restarted successfully (PID: 12350)",
    );
    expect(renderRestart({ agent: "WeatherAgent", action: "restarted", pid: null, status: "waiting" })).toBe(
      "✓ Agent 'WeatherAgent' restarted (status: waiting)",
    );
  });
});

describe("status", () => {
  const weather: AgentStatusData = {
    name: "WeatherAgent",
    kind: "looping",
    status: "running",
    waiting_reason: null,
    queue_position: null,
    pid: 12345,
    uptime: "00:20:15",
    uptime_seconds: 1215,
    memory_usage: "45.2 MB",
    memory_bytes: 45_200_000,
    cpu_usage: "2.3%",
    cpu_percent: 2.3,
    last_activity: "2025-07-27T10:39:45Z",
    configuration: { execution_interval: 300, timeout: 30 },
    depends_on: [],
    restarts: 0,
    last_exit_code: null,
    last_error: null,
    status_text: null,
    groups: [],
    next_run: null,
    health: { ready: null, alive: null },
  };

  test("reproduces the reference", () => {
    expect(renderAgentStatus(weather)).toBe(`Agent: WeatherAgent
Status: running
PID: 12345
Uptime: 00:20:15
Memory: 45.2 MB
CPU: 2.3%
Last Activity: 2025-07-27T10:39:45Z

Configuration:
  execution_interval: 300
  timeout: 30`);
  });

  test("no process, dependencies, restarts, exit code, next run, value shapes", () => {
    const data: AgentStatusData = {
      ...weather,
      kind: "periodic",
      status: "waiting",
      waiting_reason: "next_run",
      pid: null,
      uptime: "-",
      uptime_seconds: null,
      memory_usage: "-",
      memory_bytes: null,
      cpu_usage: "-",
      cpu_percent: null,
      last_activity: null,
      configuration: { command: ["python", "agent.py"], env: { A: "1", B: null }, cwd: null, enabled: true },
      depends_on: [
        { agent: "DataProcessor", condition: "started", satisfied: true },
        { agent: "Loader", condition: "completed", satisfied: false },
      ],
      restarts: 2,
      last_exit_code: 1,
      next_run: "2025-07-27T10:45:00Z",
    };
    expect(renderAgentStatus(data)).toBe(`Agent: WeatherAgent
Status: waiting (next run 10:45:00Z)
PID: -
Uptime: -
Memory: -
CPU: -
Last Activity: -

Configuration:
  command: ["python", "agent.py"]
  env: A=1 B=-
  cwd: -
  enabled: true

Depends on:
  ✓ DataProcessor (started)
  ✗ Loader (completed)

Restarts: 2
Last exit code: 1
Next run: 2025-07-27T10:45:00Z`);
  });

  test("empty configuration", () => {
    expect(renderAgentStatus({ ...weather, configuration: {} }).endsWith("Configuration:\n  (none)")).toBe(true);
  });

  test("the command and health checks as the config writes them, not as JSON", () => {
    const defaults = { watchdog: null, interval: 0.5, timeout: 1, initial_delay: 0, success_threshold: 1, failure_threshold: 3 };
    const settings = (configuration: Record<string, unknown>) =>
      renderAgentStatus({ ...weather, configuration })
        .split("Configuration:\n")[1]
        ?.split("\n")
        .filter((line) => line.startsWith("  "));
    expect(
      settings({
        command: ["/bin/sh", "-c", "echo 'hi there'"],
        ready: { ...defaults, target: { kind: "log", pattern: "listening on \\d+" } },
        alive: { ...defaults, target: { kind: "tcp", host: "::1", port: 5432 } },
      }),
    ).toEqual([
      `  command: "echo 'hi there'"`,
      `  ready: { log = "listening on \\\\d+", interval = 0.5, timeout = 1, initial_delay = 0, success_threshold = 1, failure_threshold = 3 }`,
      `  alive: { tcp = "[::1]:5432", interval = 0.5, timeout = 1, initial_delay = 0, success_threshold = 1, failure_threshold = 3 }`,
    ]);
    expect(
      settings({
        ready: { ...defaults, target: { kind: "notify" }, watchdog: 30 },
        alive: { ...defaults, target: { kind: "command", command: ["pg_isready", "-q"] } },
      }),
    ).toEqual([
      "  ready: { notify = true, watchdog = 30 }",
      `  alive: { command = ["pg_isready", "-q"], interval = 0.5, timeout = 1, initial_delay = 0, success_threshold = 1, failure_threshold = 3 }`,
    ]);
    expect(settings({ alive: { ...defaults, target: { kind: "http", url: "http://127.0.0.1:8080/health" } } })).toEqual([
      `  alive: { http = "http://127.0.0.1:8080/health", interval = 0.5, timeout = 1, initial_delay = 0, success_threshold = 1, failure_threshold = 3 }`,
    ]);
  });

  const orchestrator: OrchestratorStatusData = {
    name: "WeatherOrchestrator",
    version: "0.1.0",
    pid: 4242,
    uptime: "00:15:32",
    uptime_seconds: 932,
    total_agents: 5,
    running_agents: 3,
    waiting_agents: 2,
    failed_agents: 0,
    max_workers: 4,
    command_interface_enabled: true,
    command_socket_path: "/tmp/pyorchestrate.sock",
  };

  test("orchestrator", () => {
    expect(renderOrchestratorStatus(orchestrator)).toBe(`Orchestrator: WeatherOrchestrator
Status: running
PID: 4242
Uptime: 00:15:32
Agents: 5 total  |  Running: 3  |  Waiting: 2  |  Failed: 0
Max workers: 4
Command socket: /tmp/pyorchestrate.sock
Version: 0.1.0`);
  });

  test("orchestrator without a worker limit", () => {
    expect(renderOrchestratorStatus({ ...orchestrator, max_workers: 0 })).toContain("\nMax workers: unlimited\n");
  });
});

describe("stats", () => {
  test("reproduces the reference", () => {
    const data: StatsData = {
      orchestrator: {
        uptime: "02:15:32",
        uptime_seconds: 8132,
        total_agents: 5,
        running_agents: 3,
        waiting_agents: 2,
        failed_agents: 0,
      },
      system: {
        memory_usage: "256.8 MB",
        memory_bytes: 256_800_000,
        cpu_usage: "15.2%",
        cpu_percent: 15.2,
        open_files: 42,
      },
      dependencies: { total_dependencies: 8, satisfied: 8, unsatisfied: 0 },
    };
    expect(renderStats(data)).toBe(`Orchestrator Statistics
=======================
Uptime: 02:15:32
Total Agents: 5
Running: 3  |  Waiting: 2  |  Failed: 0

System Resources:
  Memory: 256.8 MB
  CPU: 15.2%
  Open Files: 42

Dependencies:
  Total: 8  |  Satisfied: 8  |  Unsatisfied: 0`);
  });
});

describe("report", () => {
  const report: ReportData = {
    generated: "2025-07-27T11:00:00Z",
    orchestrator: {
      name: "WeatherOrchestrator",
      version: "0.1.0",
      pid: 4242,
      socket: "/tmp/weather_orchestrator.sock",
      uptime: "02:15:32",
      uptime_seconds: 8132,
      config_path: "/etc/weather/pyorchestrate.toml",
    },
    agents: [
      { name: "WeatherAgent", pid: 12345, status: "running", memory_usage: "45.2 MB", memory_bytes: 45_200_000 },
      { name: "DataProcessor", pid: 12346, status: "waiting", memory_usage: "32.1 MB", memory_bytes: 32_100_000 },
      { name: "AlertManager", pid: 12347, status: "running", memory_usage: "28.9 MB", memory_bytes: 28_900_000 },
    ],
    system: {
      total_memory: "256.8 MB",
      total_memory_bytes: 256_800_000,
      cpu_usage: "15.2%",
      cpu_percent: 15.2,
      load_average: [0.85, 0.72, 0.68],
    },
    dependencies: {
      edges: [
        { from: "WeatherAgent", to: "DataProcessor", condition: "started", satisfied: true },
        { from: "DataProcessor", to: "AlertManager", condition: "started", satisfied: true },
      ],
      all_satisfied: true,
    },
    performance: { messages_processed: 1247, average_response_time_ms: 125.3, error_rate: 0.002 },
    executions: {
      runs: 1532,
      failures: 3,
      average_duration_ms: 842.6,
      by_agent: [
        { agent: "WeatherAgent", runs: 1530, failures: 3, average_duration_ms: 843, p95_duration_ms: 1210 },
        { agent: "Hourly", runs: 2, failures: 0, average_duration_ms: 4.2, p95_duration_ms: 5 },
      ],
    },
    events: {
      total: 12,
      by_type: { COMMAND_EXECUTED: 3, AGENT_STARTED: 3, EXECUTION_COMPLETED: 5, ORCHESTRATOR_STARTED: 1 },
      by_severity: { INFO: 12 },
      capacity_info: { current_size: 12, capacity: 1000, storage: "journal" },
      last_errors: [
        {
          seq: 9,
          timestamp: "2025-07-27T10:59:58.123Z",
          category: "AGENT",
          type: "AGENT_FAILED",
          agent: "CacheWarmup",
          severity: "ERROR",
          details: { pid: 4711, exit_code: 1, signal: null, ran_ms: 12 },
        },
      ],
    },
  };

  test("reproduces the reference, then the additions", () => {
    expect(renderReport(report)).toBe(`PyOrchestrate System Report
===========================
Generated: 2025-07-27T11:00:00Z

Orchestrator Configuration:
  Name: WeatherOrchestrator
  Socket: /tmp/weather_orchestrator.sock
  Uptime: 02:15:32
  Config: /etc/weather/pyorchestrate.toml

Agent Details:
  WeatherAgent (PID: 12345)    - running   - Memory: 45.2 MB
  DataProcessor (PID: 12346)   - waiting   - Memory: 32.1 MB
  AlertManager (PID: 12347)    - running   - Memory: 28.9 MB

System Resources:
  Total Memory: 256.8 MB
  CPU Usage: 15.2%
  Load Average: 0.85, 0.72, 0.68

Dependencies Graph:
  ✓ WeatherAgent → DataProcessor
  ✓ DataProcessor → AlertManager
  ✓ All dependencies satisfied

Performance Metrics:
  Messages processed: 1,247
  Average response time: 125ms
  Error rate: 0.2%

Executions:
  Runs: 1,532  |  Failures: 3  |  Average duration: 843ms

  AGENT          RUNS    FAILURES   AVERAGE   P95
  WeatherAgent   1,530   3          843ms     1210ms
  Hourly         2       0          4.2ms     5.0ms

Events:
  Total: 12  |  Kept: 12 of 1,000 (journal)
  EXECUTION_COMPLETED: 5
  AGENT_STARTED: 3
  COMMAND_EXECUTED: 3
  ORCHESTRATOR_STARTED: 1

Last errors:
  2025-07-27T10:59:58Z  ERROR    AGENT_FAILED           CacheWarmup       pid=4711 exit_code=1 ran_ms=12`);
  });

  test("no pid, unsatisfied edges, small figures", () => {
    const text = renderReport({
      ...report,
      agents: [
        { name: "A", pid: null, status: "completed", memory_usage: "-", memory_bytes: null },
        { name: "LongerName", pid: 7, status: "running", memory_usage: "1.0 MB", memory_bytes: 1_000_000 },
      ],
      system: { ...report.system, load_average: [1, 0.5, 0.125] },
      dependencies: {
        edges: [
          { from: "A", to: "LongerName", condition: "completed", satisfied: false },
          { from: "X", to: "Y", condition: "started", satisfied: true },
        ],
        all_satisfied: false,
      },
      performance: { messages_processed: 0, average_response_time_ms: 0.42, error_rate: 0 },
      executions: { runs: 0, failures: 0, average_duration_ms: 0, by_agent: [] },
      events: { total: 0, by_type: {}, by_severity: {}, capacity_info: { current_size: 0, capacity: 50, storage: "memory" }, last_errors: [] },
    });
    expect(text).toContain(`Agent Details:
  A (PID: -)            - completed   - Memory: -
  LongerName (PID: 7)   - running     - Memory: 1.0 MB
`);
    expect(text).toContain("  Load Average: 1.00, 0.50, 0.13\n");
    expect(text).toContain(`Dependencies Graph:
  ✗ A → LongerName
  ✓ X → Y
  ✗ 1 dependency unsatisfied
`);
    expect(text).toContain(`Performance Metrics:
  Messages processed: 0
  Average response time: 0.4ms
  Error rate: 0.0%
`);
    expect(text).toContain("  Runs: 0  |  Failures: 0  |  Average duration: 0ms\n");
    expect(text.endsWith("Average duration: 0ms\n\nEvents:\n  Total: 0  |  Kept: 0 of 50 (memory)")).toBe(true);
  });

  test("empty agents and graph", () => {
    const text = renderReport({ ...report, agents: [], dependencies: { edges: [], all_satisfied: true } });
    expect(text).toContain("Agent Details:\n  (no agents)\n");
    expect(text).toContain("Dependencies Graph:\n  (no dependencies)\n");
  });

  test("number helpers", () => {
    expect([0, 999, 1000, 1247, 1_234_567, -4321].map(groupThousands)).toEqual(["0", "999", "1,000", "1,247", "1,234,567", "-4,321"]);
    expect([0, 0.04, 0.4, 9.94, 9.96, 10, 125.4, 125.5].map(formatMilliseconds)).toEqual(["0ms", "0ms", "0.4ms", "9.9ms", "10ms", "10ms", "125ms", "126ms"]);
  });
});

describe("shutdown", () => {
  test("reproduces the reference", () => {
    const initiated = {
      action: "shutdown_initiated",
      agents_to_stop: 5,
      estimated_time: "30 seconds",
      estimated_seconds: 30,
    } as const;
    const lines = [
      ...renderShutdownFrame(initiated),
      ...renderShutdownFrame({ action: "agent_stopped", agent: "AlertManager", graceful_shutdown: true }),
      ...renderShutdownFrame({ action: "agent_stopped", agent: "DataProcessor", graceful_shutdown: true }),
      ...renderShutdownFrame({ action: "agent_stopped", agent: "WeatherAgent", graceful_shutdown: true }),
      ...renderShutdownFrame({ action: "shutdown_complete", agents_stopped: 3, all_graceful: true }),
      "",
      renderShutdownEstimate(initiated),
    ];
    expect(lines.join("\n")).toBe(`Initiating graceful shutdown...
Stopping 5 agents in dependency order...
✓ AlertManager stopped
✓ DataProcessor stopped
✓ WeatherAgent stopped
✓ All agents stopped successfully
✓ Orchestrator shutdown complete

Estimated time: 30 seconds`);
  });

  test("one agent, killed", () => {
    expect(renderShutdownFrame({ action: "shutdown_initiated", agents_to_stop: 1, estimated_time: "10 seconds", estimated_seconds: 10 })).toEqual([
      "Initiating graceful shutdown...",
      "Stopping 1 agent in dependency order...",
    ]);
    expect(renderShutdownFrame({ action: "agent_stopped", agent: "AlertManager", graceful_shutdown: false })).toEqual([
      "✓ AlertManager stopped (killed with SIGKILL)",
    ]);
    expect(renderShutdownFrame({ action: "shutdown_complete", agents_stopped: 1, all_graceful: false })).toEqual([
      "✓ All agents stopped (some were killed with SIGKILL)",
      "✓ Orchestrator shutdown complete",
    ]);
  });
});

describe("renderError", () => {
  test("agent not found lists the agents on the same line", () => {
    expect(
      renderError({
        code: "AGENT_NOT_FOUND",
        message: "Agent 'InvalidAgent' not found in orchestrator",
        details: { available_agents: ["WeatherAgent", "DataProcessor"] },
      }),
    ).toBe("✗ Agent 'InvalidAgent' not found in orchestrator (available agents: WeatherAgent, DataProcessor)");
    expect(renderError({ code: "AGENT_NOT_FOUND", message: "Agent 'X' not found in orchestrator" })).toBe("✗ Agent 'X' not found in orchestrator");
  });

  test("a socket error prints its hint, which names the path and the fix", () => {
    expect(
      renderError({
        code: "SOCKET_CONNECTION_ERROR",
        message: "Cannot connect to orchestrator socket /tmp/pyorchestrate.sock: no such file",
        details: { path: "/tmp/pyorchestrate.sock", hint: "No socket at /tmp/pyorchestrate.sock (ENOENT): is 'pyorchestrate serve' running?" },
      }),
    ).toBe("✗ No socket at /tmp/pyorchestrate.sock (ENOENT): is 'pyorchestrate serve' running?");
  });

  test("other codes: the message alone", () => {
    expect(renderError({ code: "PERMISSION_DENIED", message: "Command 'stop' is not allowed", details: { command: "stop" } })).toBe(
      "✗ Command 'stop' is not allowed",
    );
  });
});

describe("history", () => {
  const started = {
    seq: 41,
    timestamp: "2026-11-24T19:16:45.121Z",
    category: "AGENT",
    type: "AGENT_STARTED",
    agent: "DataProcessor",
    severity: "INFO",
    details: { pid: 9570, run: null },
  } as const;
  const stopped = {
    seq: 42,
    timestamp: "2026-11-24T19:16:50.002Z",
    category: "AGENT",
    type: "AGENT_STOPPED",
    agent: "DataProcessor",
    severity: "WARNING",
    details: { reason: "command", graceful_shutdown: false, pid: 9570 },
  } as const;
  const capacity_info = { current_size: 340, capacity: 1000, storage: "journal" } as const;
  const filters = { last: null, agent: null, type: null, category: null, after_seq: null };

  test("a table sized to its content, then how much is kept", () => {
    expect(renderHistory({ events: [started, stopped], count: 2, filters, capacity_info })).toBe(
      [
        "SEQ   TIME                   SEVERITY   TYPE            AGENT           DETAILS",
        "41    2026-11-24T19:16:45Z   INFO       AGENT_STARTED   DataProcessor   pid=9570",
        "42    2026-11-24T19:16:50Z   WARNING    AGENT_STOPPED   DataProcessor   reason=command graceful_shutdown=false pid=9570",
        "",
        "2 events shown  |  Kept: 340 of 1,000 (journal)",
      ].join("\n"),
    );
  });

  test("no match", () => {
    expect(renderHistory({ events: [], count: 0, filters, capacity_info: { ...capacity_info, storage: "memory" } })).toBe(
      "No events match.\n\n0 events shown  |  Kept: 340 of 1,000 (memory)",
    );
  });

  test("one line per followed event, columns fixed so lines align as they come", () => {
    expect([started, { ...stopped, agent: null }].map(renderEventLine)).toEqual([
      "2026-11-24T19:16:45Z  INFO     AGENT_STARTED          DataProcessor     pid=9570",
      "2026-11-24T19:16:50Z  WARNING  AGENT_STOPPED          -                 reason=command graceful_shutdown=false pid=9570",
    ]);
  });

  test("details: quoted when they have spaces, lists joined, one line, cut to width", () => {
    expect(summarizeDetails({ reason: "crash loop: 6 exits", added: ["A", "B"], removed: [], nested: { a: 1 }, gone: undefined })).toBe(
      'reason="crash loop: 6 exits" added=A,B removed=[] nested={"a":1}',
    );
    expect(summarizeDetails({ error: "line one\nline two" })).toBe('error="line one\\nline two"');
    const long = summarizeDetails({ text: "x".repeat(200) });
    expect(long.length).toBe(80);
    expect(long.endsWith("…")).toBe(true);
  });

  test("history-stats: counts by type most frequent first, severities, capacity", () => {
    const text = renderHistoryStats({
      statistics: {
        by_type: { AGENT_STARTED: 3, COMMAND_EXECUTED: 1204, AGENT_FAILED: 3 },
        by_severity: { INFO: 1207, ERROR: 3 },
        by_category: { AGENT: 6, COMMAND: 1204 },
        total: 1210,
      },
      capacity_info: { current_size: 1210, capacity: 5000, total_events: 12_345, storage: "journal" },
      agent_filter: null,
    });
    expect(text).toBe(
      [
        "Event History Statistics",
        "========================",
        "Events: 1,210  |  Kept: 1,210 of 5,000 (journal)  |  Recorded in all: 12,345",
        "",
        "By type:",
        "  COMMAND_EXECUTED   1,204",
        "  AGENT_FAILED           3",
        "  AGENT_STARTED          3",
        "",
        "By severity:",
        "  INFO: 1,207  |  WARNING: 0  |  ERROR: 3",
      ].join("\n"),
    );
  });

  test("history-stats of one agent with no events", () => {
    const text = renderHistoryStats({
      statistics: { by_type: {}, by_severity: {}, by_category: {}, total: 0 },
      capacity_info: { current_size: 10, capacity: 10, total_events: 99, storage: "memory" },
      agent_filter: "Quiet",
    });
    expect(text).toContain("Events of Quiet: 0  |  Kept: 10 of 10 (memory)  |  Recorded in all: 99\n\nBy type:\n  (none)\n");
  });
});
