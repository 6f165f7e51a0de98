// The pure renderers of `stats --watch` and `dependencies`, and the redraw bytes of the watch screen.
// Times of day are rendered in local time; pin the zone before any Date is made.
process.env.TZ = "UTC";

import { describe, expect, test } from "bun:test";
import type { DependenciesData } from "../../src/protocol/commands.ts";
import type { StatsAgent, StatsWatchFrame } from "../../src/protocol/reports.ts";
import { renderDependencies } from "../../src/cli/render/dependencies.ts";
import { formatInterval, renderStatsWatch } from "../../src/cli/render/stats-watch.ts";
import { ANSI, redraw } from "../../src/cli/watch-screen.ts";

function agent(overrides: Partial<StatsAgent> & Pick<StatsAgent, "name">): StatsAgent {
  return {
    status: "running",
    waiting_reason: null,
    queue_position: null,
    next_run: null,
    pid: 12345,
    cpu_usage: "2.3%",
    cpu_percent: 2.3,
    memory_usage: "45.2 MB",
    memory_bytes: 45_200_000,
    restarts: 0,
    uptime: "00:15:32",
    uptime_seconds: 932,
    ...overrides,
  };
}

function frame(agents: StatsAgent[]): StatsWatchFrame {
  return {
    orchestrator: { uptime: "02:15:32", uptime_seconds: 8132, total_agents: 4, running_agents: 2, waiting_agents: 1, failed_agents: 0 },
    system: { memory_usage: "256.8 MB", memory_bytes: 256_800_000, cpu_usage: "15.2%", cpu_percent: 15.2, open_files: 42 },
    dependencies: { total_dependencies: 3, satisfied: 2, unsatisfied: 1 },
    agents,
  };
}

const FOUR = [
  agent({
    name: "CacheWarmup",
    status: "completed",
    pid: null,
    cpu_usage: "-",
    cpu_percent: null,
    memory_usage: "-",
    memory_bytes: null,
    uptime: "-",
    uptime_seconds: null,
  }),
  agent({
    name: "WeatherAgent",
    status: "waiting",
    waiting_reason: "next_run",
    next_run: "2025-07-27T10:50:00Z",
    pid: null,
    cpu_percent: null,
    memory_bytes: null,
    uptime: "-",
  }),
  agent({ name: "DataProcessor", pid: 9570, cpu_percent: 12.25, memory_bytes: 1_640_000, restarts: 2 }),
  agent({ name: "AlertManager", pid: 9571, cpu_percent: 0, memory_bytes: 123_456_789, uptime: "1d 02:03:04" }),
];

describe("renderStatsWatch", () => {
  test("totals around a table of every agent; no process → dashes", () => {
    expect(renderStatsWatch(frame(FOUR), { intervalSeconds: 2, timestamp: "2025-07-27T10:45:02Z" })).toBe(
      [
        "pyorchestrate stats  ·  every 2s  ·  10:45:02Z  ·  Ctrl+C to quit",
        "Uptime: 02:15:32  |  Agents: 4  |  Running: 2  |  Waiting: 1  |  Failed: 0",
        "",
        "NAME            STATUS                         PID    CPU %   MEM MB   RESTARTS   UPTIME",
        "CacheWarmup     completed                      -      -       -        0          -",
        "WeatherAgent    waiting (next run 10:50:00Z)   -      -       -        0          -",
        "DataProcessor   running                        9570   12.3    1.6      2          00:15:32",
        "AlertManager    running                        9571   0.0     123.5    0          1d 02:03:04",
        "",
        "Total (serve + agents): CPU 15.2%  |  Memory 256.8 MB  |  Open files 42",
        "Dependencies: 3  |  Satisfied: 2  |  Unsatisfied: 1",
      ].join("\n"),
    );
  });

  test("no agents", () => {
    const out = renderStatsWatch(frame([]), { intervalSeconds: 0.5, timestamp: "2025-07-27T10:45:02Z" }).split("\n");
    expect(out[0]).toContain("every 0.5s");
    expect(out[3]).toBe("No agents configured.");
  });

  test("fits a small terminal: lines cut at its width, agents beyond its height counted", () => {
    const many = Array.from({ length: 30 }, (_, i) => agent({ name: `Agent${String(i).padStart(2, "0")}` }));
    const out = renderStatsWatch(frame(many), { intervalSeconds: 2, timestamp: "2025-07-27T10:45:02Z", columns: 40, rows: 15 }).split("\n");
    expect(out.length).toBeLessThanOrEqual(15);
    expect(Math.max(...out.map((line) => [...line].length))).toBeLessThanOrEqual(40);
    // 15 rows − 3 header − 3 footer − the table's title − the "more" line = 7 agents shown.
    expect(out.filter((line) => line.startsWith("Agent"))).toHaveLength(7);
    expect(out).toContain("… 23 more agents (enlarge the terminal to see them)".slice(0, 40));
    expect(out.at(-1)).toBe("Dependencies: 3  |  Satisfied: 2  |  Uns");
  });

  test("the last agent takes the 'more' line's place rather than being counted alone", () => {
    const eight = Array.from({ length: 8 }, (_, i) => agent({ name: `A${i}` }));
    const out = renderStatsWatch(frame(eight), { intervalSeconds: 2, timestamp: "2025-07-27T10:45:02Z", rows: 15 }).split("\n");
    expect(out.filter((line) => /^A\d /.test(line))).toHaveLength(8);
    expect(out.join("\n")).not.toContain("more agent");
    expect(out.length).toBe(15);
  });

  test.each([
    [0.5, "0.5s"],
    [2, "2s"],
    [59.99, "59.99s"],
    [60, "1m"],
    [90, "1m30s"],
    [3600, "60m"],
  ])("formatInterval(%p) = %p", (seconds, text) => {
    expect(formatInterval(seconds)).toBe(text);
  });
});

describe("redraw", () => {
  test("homes the cursor, clears each line's tail and everything below", () => {
    expect(redraw("a\nbb")).toBe(`${ANSI.home}a${ANSI.clearLineEnd}\nbb${ANSI.clearLineEnd}${ANSI.clearBelow}`);
    expect(ANSI).toMatchObject({ hideCursor: "\u001b[?25l", showCursor: "\u001b[?25h", home: "\u001b[H" });
  });
});

describe("renderDependencies", () => {
  const weather: DependenciesData = {
    dependencies: { CacheWarmup: [], WeatherAgent: ["CacheWarmup"], DataProcessor: ["WeatherAgent"], AlertManager: ["DataProcessor"] },
    order: ["CacheWarmup", "WeatherAgent", "DataProcessor", "AlertManager"],
    edges: [
      { from: "CacheWarmup", to: "WeatherAgent", condition: "completed", satisfied: true },
      { from: "WeatherAgent", to: "DataProcessor", condition: "started", satisfied: true },
      { from: "DataProcessor", to: "AlertManager", condition: "started", satisfied: false },
    ],
  };

  test("the example of the issue, plain", () => {
    expect(renderDependencies(weather)).toBe(
      [
        "WeatherAgent  ← CacheWarmup (completed ✓)",
        "DataProcessor ← WeatherAgent (started ✓)",
        "AlertManager  ← DataProcessor (started ✗)",
        "CacheWarmup   (no dependencies)",
        "",
        "Start order: CacheWarmup → WeatherAgent → DataProcessor → AlertManager",
      ].join("\n"),
    );
  });

  test("colour: green ✓, red ✗, nothing else changes", () => {
    const out = renderDependencies(weather, { color: true });
    expect(out).toContain("WeatherAgent  ← CacheWarmup (completed \u001b[32m✓\u001b[39m)");
    expect(out).toContain("AlertManager  ← DataProcessor (started \u001b[31m✗\u001b[39m)");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colour sequences, which begin with ESC
    expect(out.replace(/\u001b\[\d+m/g, "")).toBe(renderDependencies(weather));
  });

  test("several providers: one line each, the name once; rows follow the start order", () => {
    const data: DependenciesData = {
      dependencies: { Report: ["Fetch", "Cache"], Fetch: [], Cache: ["Fetch"] },
      order: ["Fetch", "Cache", "Report"],
      edges: [
        { from: "Fetch", to: "Report", condition: "started", satisfied: true },
        { from: "Cache", to: "Report", condition: "ready", satisfied: false },
        { from: "Fetch", to: "Cache", condition: "started", satisfied: true },
      ],
    };
    expect(renderDependencies(data)).toBe(
      [
        "Cache  ← Fetch (started ✓)",
        "Report ← Fetch (started ✓)",
        "       ← Cache (ready ✗)",
        "Fetch  (no dependencies)",
        "",
        "Start order: Fetch → Cache → Report",
      ].join("\n"),
    );
  });

  test("no agents", () => {
    expect(renderDependencies({ dependencies: {}, order: [], edges: [] })).toBe("No agents configured.");
  });
});
