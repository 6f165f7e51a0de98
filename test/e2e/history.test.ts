// history, history-stats and report's event and execution sections, through the compiled CLI
// against a real serve: filters, the cursor, --follow, the journal across restarts.

import { describe, expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryEvent } from "../../src/protocol/events.ts";
import type { HistoryData, HistoryStatsData } from "../../src/protocol/history.ts";
import type { ReportData } from "../../src/protocol/reports.ts";
import { agent, inStatus, running, sh } from "../helpers/agents-toml.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served, tempDir } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

/** `pyorchestrate ARGS --socket S` expected to succeed with JSON on stdout: the envelope's data. */
async function data<D>(served: Served, args: string[]): Promise<D> {
  const ran = await cli([...args, "--socket", served.socket]);
  if (ran.code !== 0) throw new Error(`pyorchestrate ${args.join(" ")} exited ${ran.code}\n${ran.stdout}${ran.stderr}`);
  return JSON.parse(ran.stdout).data as D;
}

const history = (served: Served, ...args: string[]) => data<HistoryData>(served, ["history", ...args]);
const seqs = (events: HistoryEvent[]) => events.map((event) => event.seq);

/** A CLI process whose stdout is read line by line as it comes. */
function spawnCli(args: string[]) {
  const proc = Bun.spawn([BINARY, ...args], { env: cleanEnv(), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  /** Lines until one matches (that one is returned); fails when the stream ends or nothing matches in time. */
  const until = async (match: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> => {
    let timer: Timer | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no line ${what} within ${timeoutMs} ms; got: ${buffered}`)), timeoutMs);
    });
    try {
      while (true) {
        for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n")) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (match(line)) return line;
        }
        const chunk = await Promise.race([reader.read(), expired]);
        if (chunk.done) throw new Error(`stdout ended before a line ${what}`);
        buffered += decoder.decode(chunk.value, { stream: true });
      }
    } finally {
      clearTimeout(timer);
    }
  };
  return { proc, until };
}

const LOOPING = agent("Loop", { command: ["sleep", "30"] }) + agent("Fail", { command: sh("exit 3"), kind: "oneshot" });

describe("history and history-stats", () => {
  concurrent("filters, the cursor, table output, bad arguments and counts", async () => {
    await using served = await serve(LOOPING, { orchestrator: "history_capacity = 200" });
    await inStatus(served, "Fail", "failed");
    await running(served, "Loop");

    const all = await history(served);
    expect(seqs(all.events)).toEqual(all.events.map((_, i) => i + 1));
    expect(all.count).toBe(all.events.length);
    expect(all.filters).toEqual({ last: null, agent: null, type: null, category: null, after_seq: null });
    expect(all.capacity_info).toEqual({ current_size: expect.any(Number), capacity: 200, storage: "journal" });
    const failed = all.events.find((event) => event.type === "AGENT_FAILED");
    expect(failed).toMatchObject({ category: "AGENT", agent: "Fail", severity: "ERROR", details: { exit_code: 3 } });
    expect(failed?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Commands acting on an agent are audited as its events; `--category AGENT` leaves them out.
    const ofFail = await history(served, "--agent", "Fail", "--category", "AGENT");
    expect(ofFail.events.map((event) => event.type)).toEqual(["AGENT_STARTED", "AGENT_FAILED"]);
    // A history query only filters on the agent: it is not one of the agent's events.
    const queried = await history(served, "--agent", "Fail");
    expect(queried.events.map((event) => event.type)).toEqual(["AGENT_STARTED", "AGENT_FAILED"]);
    expect(ofFail.filters).toEqual({ last: null, agent: "Fail", type: null, category: "AGENT", after_seq: null });

    // Lower case is the same type; categories filter on the type's family.
    const startedAgents = (await history(served, "--type", "agent_started")).events.map((event) => event.agent);
    expect(startedAgents.sort()).toEqual(["Fail", "Loop"]);
    const commands = await history(served, "--category", "COMMAND");
    expect(commands.events.length).toBeGreaterThan(0);
    expect(new Set(commands.events.map((event) => event.type))).toEqual(new Set(["COMMAND_EXECUTED"]));

    // --last keeps the newest; --after-seq is a cursor (every command meanwhile is an event too).
    const lastTwo = await history(served, "--last", "2");
    expect(lastTwo.count).toBe(2);
    expect((lastTwo.events[1]?.seq ?? 0) - (lastTwo.events[0]?.seq ?? 0)).toBe(1);
    expect(lastTwo.events[0]?.seq).toBeGreaterThan(all.events.at(-1)?.seq ?? Infinity);
    // -n is --last, as in `logs -n` and `tail -n`.
    const lastOne = await history(served, "-n", "1");
    expect(lastOne.count).toBe(1);
    expect(lastOne.events[0]?.seq).toBeGreaterThan(lastTwo.events[1]?.seq ?? Infinity);
    const cursor = failed?.seq ?? 0;
    const after = await history(served, "--after-seq", String(cursor));
    expect(after.events[0]?.seq).toBe(cursor + 1);
    expect(seqs(after.events).every((seq, i) => seq === cursor + 1 + i)).toBe(true);
    expect((await history(served, "--after-seq", String(cursor), "--agent", "Fail", "--category", "AGENT")).events).toEqual([]);

    const table = await cli(["history", "--socket", served.socket, "--format", "table", "--agent", "Fail", "--category", "AGENT"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SEQ +TIME +SEVERITY +TYPE +AGENT +DETAILS$/);
    expect(lines[2]).toMatch(/^\d+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +ERROR +AGENT_FAILED +Fail +pid=\d+ exit_code=3 ran_ms=\d+$/);
    expect(lines.at(-1)).toMatch(/^2 events shown {2}\| {2}Kept: \d+ of 200 \(journal\)$/);

    const stats = await data<HistoryStatsData>(served, ["history-stats"]);
    expect(stats.agent_filter).toBeNull();
    expect(stats.statistics.by_type).toMatchObject({ AGENT_STARTED: 2, AGENT_FAILED: 1, ORCHESTRATOR_STARTED: 1 });
    expect(Object.values(stats.statistics.by_type).reduce((sum, n) => sum + (n ?? 0), 0)).toBe(stats.statistics.total);
    expect(stats.capacity_info).toEqual({
      current_size: stats.statistics.total,
      capacity: 200,
      total_events: stats.statistics.total,
      storage: "journal",
    });
    const ofOne = await data<HistoryStatsData>(served, ["history-stats", "--agent", "Fail"]);
    expect(ofOne.statistics).toMatchObject({ by_type: { AGENT_STARTED: 1, AGENT_FAILED: 1 }, by_category: { AGENT: 2 } });
    expect(ofOne.statistics.by_severity.ERROR).toBe(1);
    expect(ofOne.statistics.total).toBe(2 + (ofOne.statistics.by_category.COMMAND ?? 0));
    expect(ofOne.agent_filter).toBe("Fail");
    const statsTable = await cli(["history-stats", "--socket", served.socket, "--format", "table", "--agent", "Fail"]);
    expect(statsTable.stdout).toMatch(/^Event History Statistics\n=+\nEvents of Fail: \d+ {2}\| {2}Kept: \d+ of 200 \(journal\)/);
    expect(statsTable.stdout).toMatch(/\n {2}AGENT_FAILED +1\n/);

    // Arguments the server refuses: exit 1 with INVALID_ARGUMENT; flags the CLI refuses: exit 2.
    for (const args of [["--last", "0"], ["--last", "abc"], ["--after-seq=-1"], ["--type", "NOPE"], ["--category", "x"], ["--agent", "bad name!"]]) {
      const ran = await cli(["history", "--socket", served.socket, ...args]);
      expect({ args, code: ran.code, error: JSON.parse(ran.stdout).error.code }).toEqual({ args, code: 1, error: "INVALID_ARGUMENT" });
    }
    const refused = await cli(["history", "--socket", served.socket, "--format", "table", "--type", "NOPE"]);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toStartWith("✗ argument 'type' must be one of AGENT_STARTED, ");
    for (const args of [["--bogus"], ["--last"], ["extra-positional"]]) {
      const ran = await cli(["history", "--socket", served.socket, ...args]);
      expect({ args, code: ran.code }).toEqual({ args, code: 2 });
      expect(ran.stderr).toContain("Usage: pyorchestrate history");
    }
    expect((await cli(["history-stats", "--socket", served.socket, "--agent", "-x"])).code).toBe(2);
    expect((await cli(["history-stats", "--socket", served.socket, "--agent=bad/name"])).code).toBe(1);
  });

  concurrent("--follow streams the event a stop causes, in NDJSON and as lines, and ends when the client goes", async () => {
    await using served = await serve(agent("Loop", { command: ["sleep", "30"] }));
    await running(served, "Loop");
    const json = spawnCli(["history", "--socket", served.socket, "--follow", "--agent", "Loop"]);
    const lines = spawnCli(["history", "--socket", served.socket, "-f", "--format", "table"]);
    try {
      // The first frame: what is kept (for the agent: its start), one compact envelope per line.
      const first = JSON.parse(await json.until(() => true, "at all"));
      expect(first).toMatchObject({ status: "success", data: { filters: { agent: "Loop" } } });
      expect(first.data.events.map((event: HistoryEvent) => event.type)).toEqual(["AGENT_STARTED"]);
      await lines.until((line) => /ORCHESTRATOR_STARTED/.test(line), "with the backlog");

      expect((await cli(["stop", "Loop", "--socket", served.socket])).code).toBe(0);
      const stopped = await json.until((line) => line.includes("AGENT_STOPPED"), "with AGENT_STOPPED");
      const frame = JSON.parse(stopped);
      expect(frame.data.events.find((event: HistoryEvent) => event.type === "AGENT_STOPPED")).toMatchObject({
        agent: "Loop",
        severity: "INFO",
        details: { reason: "command", graceful_shutdown: true },
      });
      expect(frame.data.events.every((event: HistoryEvent) => event.agent === "Loop")).toBe(true);
      const line = await lines.until((text) => text.includes("AGENT_STOPPED"), "with AGENT_STOPPED");
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}INFO {5}AGENT_STOPPED {10}Loop {14}reason=command graceful_shutdown=true/);
    } finally {
      json.proc.kill("SIGKILL");
      lines.proc.kill("SIGKILL");
    }
    // The server ends a stream whose client is gone: the follow is then audited like any finished command.
    await waitFor(async () => {
      // Asked without an agent, so that this query's own audit cannot be taken for the follow's.
      const audit = await served.data("history", { type: "COMMAND_EXECUTED" });
      return audit.events.some((event) => event.details.command === "history" && event.details.agent_filter === "Loop");
    }, "the follow of Loop to end on the server");
  });

  concurrent(
    "the journal survives a restart of serve (seq goes on); a follower gets the end of the stream at shutdown",
    async () => {
      await using first = await serve(LOOPING);
      await inStatus(first, "Fail", "failed");
      const follower = spawnCli(["history", "--socket", first.socket, "--follow", "--type", "SHUTDOWN_COMPLETED"]);
      await follower.until(() => true, "(the first frame)");
      const before = await history(first);
      expect(await first.stop()).toBe(0);
      // The last frame carries the shutdown's completion; then the client exits 0 by itself.
      const last = JSON.parse(await follower.until((line) => line.includes("SHUTDOWN_COMPLETED"), "with SHUTDOWN_COMPLETED"));
      expect(last.data.events.map((event: HistoryEvent) => event.type)).toEqual(["SHUTDOWN_COMPLETED"]);
      expect(await follower.proc.exited).toBe(0);

      await using second = await serve(LOOPING, { reuseDir: first });
      const after = await history(second);
      expect(after.events.slice(0, before.count)).toEqual(before.events);
      const types = after.events.map((event) => event.type);
      expect(types.filter((type) => type === "ORCHESTRATOR_STARTED")).toHaveLength(2);
      expect(types).toContain("SHUTDOWN_COMPLETED");
      expect(seqs(after.events)).toEqual(after.events.map((_, i) => i + 1));
      const restarted = after.events.filter((event) => event.type === "ORCHESTRATOR_STARTED")[1];
      expect(restarted?.seq).toBeGreaterThan(before.events.at(-1)?.seq ?? Infinity);
      expect(second.stderr()).not.toContain("event journal");
    },
    30_000,
  );

  concurrent("an unusable journal: one warning naming the file, and history from memory", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, ".pyorchestrate"), { mode: 0o700 });
    const journal = join(dir, ".pyorchestrate", "events.db");
    writeFileSync(journal, "not a database\n".repeat(1000));
    await using served = await serve(agent("Loop", { command: ["sleep", "30"] }), { dir });
    const warnings = served
      .stderr()
      .split("\n")
      .filter((line) => line.includes("event journal"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warn +event journal .*\/\.pyorchestrate\/events\.db: file is not a database.*; events are kept in memory only$/);
    const kept = await history(served, "--type", "ORCHESTRATOR_STARTED");
    expect(kept.count).toBe(1);
    expect(kept.capacity_info.storage).toBe("memory");
  });
});

describe("report", () => {
  concurrent("events by type over the journal, the last errors, and each periodic agent's runs", async () => {
    // Run 2 of Tick fails; 4 runs in all.
    const tick = sh('n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; sleep 0.05; [ "$n" -ne 2 ]');
    await using served = await serve(
      agent("Tick", { command: tick, execution_interval: 0.2, limit: 4 }) + agent("Fail", { command: sh("exit 3"), kind: "oneshot" }),
    );
    await inStatus(served, "Tick", "completed", 15_000);
    await inStatus(served, "Fail", "failed");

    const report = await data<ReportData>(served, ["report"]);
    expect(report.executions.by_agent).toEqual([
      { agent: "Tick", runs: 4, failures: 1, average_duration_ms: expect.any(Number), p95_duration_ms: expect.any(Number) },
    ]);
    const [ticks] = report.executions.by_agent;
    expect(ticks?.average_duration_ms).toBeGreaterThanOrEqual(50);
    expect(ticks?.p95_duration_ms).toBeGreaterThanOrEqual(ticks?.average_duration_ms ?? Infinity);
    expect(report.executions).toMatchObject({ runs: 5, failures: 2 });
    expect(report.events.by_type).toMatchObject({ EXECUTION_STARTED: 4, EXECUTION_COMPLETED: 3, EXECUTION_FAILED: 1, AGENT_FAILED: 1 });
    expect(report.events.last_errors.map((event) => [event.type, event.agent, event.details.exit_code])).toEqual([["AGENT_FAILED", "Fail", 3]]);
    expect(report.events.capacity_info).toEqual({ current_size: expect.any(Number), capacity: 1000, storage: "journal" });

    const table = await cli(["report", "--socket", served.socket, "--format", "table"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\n {2}AGENT +RUNS +FAILURES +AVERAGE +P95\n {2}Tick +4 +1 +\d+ms +\d+ms\n/);
    expect(table.stdout).toMatch(/\nLast errors:\n {2}\S+Z {2}ERROR +AGENT_FAILED +Fail +pid=\d+ exit_code=3/);
  });
});
