// serve's own log lines about agents, as an operator greps them (human) or a log shipper parses
// them (--log-format json): every start, exit, run, stop and kill names the agent, its pid and how
// it ended. Each agent writes its own pid ($$) to a file, so the lines are checked against the truth.

import { describe, expect } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { agent, sh } from "../helpers/agents-toml.ts";
import { serve, type Served } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const AGENTS =
  agent("Looper", { command: sh("echo $$ > Looper.pid; exec sleep 30") }) +
  agent("Crasher", { command: sh("echo $$ > Crasher.pid; exit 3"), restart: "never" }) +
  agent("Killed", { command: sh("echo $$ > Killed.pid; kill -KILL $$"), restart: "never" }) +
  agent("Once", { command: sh("echo $$ > Once.pid"), kind: "oneshot" }) +
  agent("Tick", { command: sh("echo $$ >> Tick.pid"), execution_interval: 1, limit: 2 }) +
  agent("Flop", { command: sh("echo $$ > Flop.pid; exit 4"), execution_interval: 30, limit: 1 }) +
  agent("Slow", { command: sh("echo $$ > Slow.pid; exec sleep 30"), execution_interval: 30, limit: 1, timeout: 1 }) +
  agent("Stubborn", { command: sh("trap '' TERM; echo $$ > Stubborn.pid; while :; do sleep 0.1; done"), stop_timeout: 1 });

// "4ms" below a second, "1.2s" from one on.
const DURATION = String.raw`(?:\d{1,3}ms|\d+\.\ds)`;

/** The pids an agent wrote, in order. */
function pids(served: Served, name: string): number[] {
  return readFileSync(join(served.dir, `${name}.pid`), "utf8")
    .trim()
    .split("\n")
    .map(Number);
}

function pidOf(served: Served, name: string): number {
  const [pid] = pids(served, name);
  if (pid === undefined) throw new Error(`${name} wrote no pid`);
  return pid;
}

/**
 * Runs every agent to its end (or stops it), then shuts serve down: the whole life of each agent
 * is in the log by the time this returns.
 */
async function runScenario(served: Served): Promise<void> {
  const done: Record<string, string> = { Crasher: "failed", Killed: "failed", Once: "completed", Tick: "completed", Flop: "failed", Slow: "failed" };
  await waitFor(
    async () => {
      const { agents } = await served.data("ps");
      const status = Object.fromEntries(agents.map((a) => [a.name, a.status]));
      return Object.entries(done).every(([name, wanted]) => status[name] === wanted) && status.Looper === "running" && status.Stubborn === "running";
    },
    "every short-lived agent to finish",
    15_000,
  );
  // Stubborn's pid file is written after its trap, so the stop cannot beat the trap.
  await waitFor(() => pids(served, "Stubborn").length > 0 && pids(served, "Looper").length > 0, "the long-lived agents' pid files");
  expect((await served.data("stop", { agent: "Looper" })).graceful_shutdown).toBe(true);
  expect((await served.data("stop", { agent: "Stubborn" })).graceful_shutdown).toBe(false);
  expect(await served.stop()).toBe(0);
}

/** Human lines as `{ level, message }`, the time checked and dropped. */
function humanLines(stderr: string): { level: string; message: string }[] {
  return stderr
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      const match = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\w+) +(.*)$/.exec(line);
      if (!match) throw new Error(`not a log line: ${JSON.stringify(line)}`);
      return { level: match[1] as string, message: match[2] as string };
    });
}

describe("human log lines", () => {
  concurrent("name the agent, its pid and its exit code or signal", async () => {
    await using served = await serve(AGENTS);
    await runScenario(served);
    const lines = humanLines(served.stderr());
    const messages = lines.map((line) => line.message);
    const has = (pattern: string | RegExp, level?: string) => {
      const found = lines.find((line) => (typeof pattern === "string" ? line.message === pattern : pattern.test(line.message)));
      if (!found) throw new Error(`no log line ${String(pattern)} in:\n${messages.join("\n")}`);
      if (level !== undefined) expect({ line: found.message, level: found.level }).toEqual({ line: found.message, level });
    };
    const [tick1, tick2] = pids(served, "Tick");
    const pid = (name: string) => pidOf(served, name);

    has(`Looper started (pid ${pid("Looper")})`, "info");
    has(`Looper stopped (pid ${pid("Looper")})`, "info");
    has(`Crasher started (pid ${pid("Crasher")})`);
    has(new RegExp(`^Crasher exited \\(pid ${pid("Crasher")}, code 3\\) after ${DURATION}$`), "warn");
    has(new RegExp(`^Crasher failed \\(pid ${pid("Crasher")}, code 3\\) after ${DURATION}$`), "error");
    has(new RegExp(`^Killed killed by signal SIGKILL \\(pid ${pid("Killed")}\\) after ${DURATION}$`), "warn");
    has(new RegExp(`^Killed failed: killed by signal SIGKILL \\(pid ${pid("Killed")}\\) after ${DURATION}$`), "error");
    has(new RegExp(`^Once completed \\(pid ${pid("Once")}, code 0\\) in ${DURATION}$`), "success");
    has(`Tick run 1 started (pid ${tick1})`, "info");
    has(new RegExp(`^Tick run 1 \\(pid ${tick1}\\) completed in ${DURATION}$`), "info");
    has(new RegExp(`^Tick run 2 \\(pid ${tick2}\\) completed in ${DURATION}$`), "info");
    has("Tick completed (2 runs, last exit code 0)", "success");
    has(new RegExp(`^Flop run 1 \\(pid ${pid("Flop")}\\) failed with code 4 after ${DURATION}$`), "warn");
    has("Flop failed (1 run, last exit code 4)", "error");
    has(new RegExp(`^Slow run 1 \\(pid ${pid("Slow")}, signal SIGTERM\\) timed out after 1\\.\\ds and was killed$`), "warn");
    has(`Stubborn stopped (pid ${pid("Stubborn")}, killed with SIGKILL after stop_timeout)`, "warn");
    // Nothing about an agent is logged without its pid, except what has none (backoff, skips).
    for (const message of messages.filter((m) => /^(Looper|Crasher|Killed|Once|Tick|Flop|Slow|Stubborn) /.test(m))) {
      expect({ message, pid: /\(pid \d+|\(\d+ runs?, last exit code \d+\)/.test(message) }).toEqual({ message, pid: true });
    }
  });
});

describe("--log-format json", () => {
  const LIFECYCLE = new Set([
    "AGENT_STARTED",
    "AGENT_EXITED",
    "AGENT_STOPPED",
    "AGENT_FAILED",
    "AGENT_COMPLETED",
    "EXECUTION_STARTED",
    "EXECUTION_COMPLETED",
    "EXECUTION_FAILED",
    "EXECUTION_TIMEOUT",
  ]);

  concurrent("agent events carry agent, pid and exit_code (and signal) as fields", async () => {
    await using served = await serve(AGENTS, { args: ["--log-format", "json"] });
    await runScenario(served);
    const entries: Record<string, unknown>[] = served
      .stderr()
      .replace(/\n$/, "")
      .split("\n")
      .map((line) => JSON.parse(line));
    const pid = (name: string) => pidOf(served, name);
    const find = (event: string, agentName: string) => {
      const found = entries.find((entry) => entry.event === event && entry.agent === agentName);
      if (!found) throw new Error(`no ${event} of ${agentName} in:\n${entries.map((e) => JSON.stringify(e)).join("\n")}`);
      return found;
    };

    // Every lifecycle line has the three fields, whatever the event (null when there is no such thing).
    const lifecycle = entries.filter((entry) => LIFECYCLE.has(entry.event as string));
    expect(lifecycle.length).toBeGreaterThanOrEqual(20);
    for (const entry of lifecycle) {
      expect({ entry, keys: ["agent", "pid", "exit_code"].filter((key) => key in entry) }).toEqual({ entry, keys: ["agent", "pid", "exit_code"] });
      expect(typeof entry.agent).toBe("string");
    }

    expect(find("AGENT_STARTED", "Looper")).toEqual(
      expect.objectContaining({ level: "info", message: `Looper started (pid ${pid("Looper")})`, pid: pid("Looper"), exit_code: null }),
    );
    expect(find("AGENT_EXITED", "Crasher")).toEqual(expect.objectContaining({ level: "warn", pid: pid("Crasher"), exit_code: 3, signal: null }));
    expect(find("AGENT_FAILED", "Crasher")).toEqual(expect.objectContaining({ level: "error", pid: pid("Crasher"), exit_code: 3 }));
    expect(find("AGENT_EXITED", "Killed")).toEqual(expect.objectContaining({ pid: pid("Killed"), exit_code: null, signal: "SIGKILL" }));
    expect(find("AGENT_COMPLETED", "Once")).toEqual(expect.objectContaining({ level: "success", pid: pid("Once"), exit_code: 0 }));
    const [tick1, tick2] = pids(served, "Tick");
    expect(find("EXECUTION_STARTED", "Tick")).toEqual(expect.objectContaining({ pid: tick1, run: 1, exit_code: null }));
    expect(entries.filter((e) => e.event === "EXECUTION_COMPLETED" && e.agent === "Tick").map((e) => [e.run, e.pid, e.exit_code])).toEqual([
      [1, tick1, 0],
      [2, tick2, 0],
    ]);
    expect(find("EXECUTION_FAILED", "Flop")).toEqual(expect.objectContaining({ pid: pid("Flop"), exit_code: 4, run: 1 }));
    expect(find("AGENT_FAILED", "Flop")).toEqual(expect.objectContaining({ pid: null, exit_code: 4, runs: 1 }));
    expect(find("EXECUTION_TIMEOUT", "Slow")).toEqual(expect.objectContaining({ pid: pid("Slow"), exit_code: null, signal: "SIGTERM" }));
    expect(find("AGENT_STOPPED", "Looper")).toEqual(
      expect.objectContaining({ pid: pid("Looper"), exit_code: null, signal: "SIGTERM", graceful_shutdown: true }),
    );
    expect(find("AGENT_STOPPED", "Stubborn")).toEqual(
      expect.objectContaining({ level: "warn", pid: pid("Stubborn"), exit_code: null, signal: "SIGKILL", graceful_shutdown: false }),
    );
    // The line's own keys are not overwritten by fields of the same name.
    for (const entry of entries) expect(Object.keys(entry).slice(0, 3)).toEqual(["time", "level", "message"]);
  });
});
