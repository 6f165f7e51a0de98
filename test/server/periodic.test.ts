// Periodic agents under a real serve: runs and their limit, waiting between runs, timeouts,
// fixed rate (skipped runs) and fixed delay (no overlap).

import { expect } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { groupMembers, isAlive } from "../helpers/processes.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { agent, inStatus, psOf, sh, statusOf, until } from "../helpers/agents-toml.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

// ── harness ────────────────────────────────────────────────────────────────

/** The agent's log lines as [stream, text]. */
function logLines(served: Served, name: string): Array<[string, string]> {
  const path = join(served.dir, ".pyorchestrate", "logs", `${name}.log`);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .slice(0, -1)
    .map((line) => {
      const [, stream = "", text = ""] = /^\S+ (\S+) (.*)$/s.exec(line) ?? [];
      return [stream, text];
    });
}

/** Marks written by a script as `S <ns>` (run start) and `E <ns>` (run end) in `file`, in ms. */
function marks(served: Served, file: string): Array<{ kind: string; ms: number }> {
  const path = join(served.dir, file);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [kind = "", ns = "0"] = line.split(" ");
      return { kind, ms: Number(BigInt(ns) / 1_000_000n) };
    });
}

/** Runs as [start, end] pairs, from marks that alternate S, E, S, E … */
function runsOf(served: Served, file: string): Array<[number, number]> {
  const all = marks(served, file);
  expect(all.map((mark) => mark.kind).join("")).toMatch(/^(SE)*$/);
  const runs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < all.length; i += 2) runs.push([all[i]?.ms ?? 0, all[i + 1]?.ms ?? 0]);
  return runs;
}

/** A run that notes its start and end in `file`, taking `seconds` in between. */
const timedRun = (file: string, seconds: number) => sh(`echo "S $(date +%s%N)" >> ${file}; sleep ${seconds}; echo "E $(date +%s%N)" >> ${file}`);

// ── runs and limit ─────────────────────────────────────────────────────────

concurrent("execution_interval = 1, limit = 3: three runs, waiting (next_run, no pid) between them, then completed", async () => {
  await using served = await serve(agent("Tick", { command: sh("echo run"), execution_interval: 1, limit: 3 }));

  const idle = await until(served, "Tick", (row) => row.status === "waiting" && row.waiting_reason === "next_run", "to wait for its next run");
  expect(idle).toMatchObject({ kind: "periodic", pid: null, uptime: "-", uptime_seconds: null, waiting_reason: "next_run" });
  expect(idle.next_run).toEqual(expect.any(String));
  // About a second from now (second precision on the wire).
  const due = Date.parse(idle.next_run as string);
  expect(due).toBeGreaterThan(Date.now() - 1_500);
  expect(due).toBeLessThan(Date.now() + 2_000);
  expect((await statusOf(served, "Tick")).next_run).toEqual(expect.any(String));

  await inStatus(served, "Tick", "completed", 8_000);
  expect(await statusOf(served, "Tick")).toMatchObject({ status: "completed", pid: null, next_run: null, last_exit_code: 0 });
  const lines = await waitFor(() => {
    const found = logLines(served, "Tick");
    return found.length >= 3 ? found : null;
  }, "three runs in the log");
  expect(lines).toEqual([
    ["stdout", "run"],
    ["stdout", "run"],
    ["stdout", "run"],
  ]);
  expect(served.stderr().match(/Tick run \d+ started/g)).toEqual(["Tick run 1 started", "Tick run 2 started", "Tick run 3 started"]);
  expect(served.stderr()).toContain("Tick completed");
});

concurrent("limit reached with the last run failing → failed; a failed run before the last does not stop the schedule", async () => {
  // Each agent counts its runs in a file of its own.
  const counting = (file: string, test: string) => sh(`n=$(cat ${file} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${file}; echo "run $n"; ${test}`);
  await using served = await serve(
    agent("LastFails", { command: counting("a.count", '[ "$n" -lt 2 ] || exit 5'), execution_interval: 1, limit: 2 }) +
      agent("FirstFails", { command: counting("b.count", '[ "$n" -ge 2 ] || exit 5'), execution_interval: 1, limit: 2 }),
  );
  await inStatus(served, "LastFails", "failed", 8_000);
  await inStatus(served, "FirstFails", "completed", 8_000);
  expect(await statusOf(served, "LastFails")).toMatchObject({ status: "failed", last_exit_code: 5, pid: null, next_run: null });
  expect(await statusOf(served, "FirstFails")).toMatchObject({ status: "completed", last_exit_code: 0, pid: null, next_run: null });
  expect(served.stderr()).toMatch(/FirstFails run 1 \(pid \d+\) failed with code 5/);
  expect(served.stderr()).toMatch(/LastFails run 2 \(pid \d+\) failed with code 5/);
  expect(readFileSync(join(served.dir, "a.count"), "utf8").trim()).toBe("2");
  expect(readFileSync(join(served.dir, "b.count"), "utf8").trim()).toBe("2");
});

concurrent("timeout = 1 with sleep 30, limit = 1 → failed after about a second, no process left", async () => {
  const t0 = Date.now();
  // A grandchild too: the timeout must take the whole group.
  await using served = await serve(agent("Hang", { command: sh("sleep 30 & sleep 30"), execution_interval: 1, timeout: 1, limit: 1 }));
  const run = await until(served, "Hang", (row) => row.status === "running" && row.pid !== null, "to run");
  const pid = run.pid as number;
  await waitFor(() => groupMembers(pid).length >= 3, "the shell and its sleeps");
  await inStatus(served, "Hang", "failed", 8_000);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  const status = await statusOf(served, "Hang");
  expect(status).toMatchObject({ status: "failed", pid: null, next_run: null });
  expect(status.last_exit_code).not.toBe(0);
  expect(isAlive(pid)).toBe(false);
  expect(groupMembers(pid)).toEqual([]);
  expect(served.leftovers()).toEqual([]);
  expect(served.stderr()).toMatch(/Hang run 1 \(pid \d+, signal \w+\) timed out after/);
});

concurrent("timeout applies to every run, and the schedule goes on after a timed-out run", async () => {
  // Run 1 hangs and is killed at the timeout; run 2 is quick and succeeds.
  const script = 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ "$n" -ge 2 ] || exec sleep 30';
  await using served = await serve(agent("Flaky", { command: sh(script), execution_interval: 1, timeout: 1, limit: 2 }));
  await inStatus(served, "Flaky", "completed", 10_000);
  expect(served.stderr()).toMatch(/Flaky run 1 \(pid \d+, signal \w+\) timed out after/);
  expect(served.stderr()).toMatch(/Flaky run 2 \(pid \d+\) completed/);
  expect(served.leftovers()).toEqual([]);
});

// ── fixed rate and fixed delay ─────────────────────────────────────────────

concurrent("fixed rate (delay_compensation = true): a run still going when the next is due is skipped, never overlapped", async () => {
  // Runs take 1.5 s, due every 1 s from the start: run 1 at 0 s, the 1 s tick skipped, run 2 at 2 s.
  await using served = await serve(agent("Rate", { command: timedRun("rate.marks", 1.5), execution_interval: 1, delay_compensation: true, limit: 2 }));
  await waitFor(() => served.stderr().includes("Rate run skipped"), "a skipped run in serve's log", 6_000);
  expect(served.stderr()).toContain("Rate run skipped: previous run still going");
  await inStatus(served, "Rate", "completed", 10_000);

  const runs = runsOf(served, "rate.marks");
  expect(runs.length).toBe(2);
  const [[start1, end1], [start2]] = runs as [[number, number], [number, number]];
  expect(start2).toBeGreaterThanOrEqual(end1);
  // On the 1 s grid: not before the 2 s tick. How promptly after it is the fake-clock unit
  // test's to say (test/unit/lifecycle-periodic.test.ts), where no loaded machine adds delay.
  expect(start2 - start1).toBeGreaterThanOrEqual(1_900);
  expect(served.stderr().match(/Rate run \d+ started/g)).toEqual(["Rate run 1 started", "Rate run 2 started"]);
});

concurrent("fixed rate: no run is reported skipped beyond the limit", async () => {
  // limit = 1: the only run is going when the 1 s tick comes, but no second run is ever due.
  await using served = await serve(agent("Once", { command: sh("sleep 1.5"), execution_interval: 1, delay_compensation: true, limit: 1 }));
  await inStatus(served, "Once", "completed", 8_000);
  expect(served.stderr()).not.toContain("Once run skipped");
});

concurrent("fixed delay (default): each run starts an interval after the previous one ended; nothing skipped", async () => {
  await using served = await serve(agent("Delay", { command: timedRun("delay.marks", 1.5), execution_interval: 1, limit: 3 }));
  // Between runs, next_run is about an interval after the end of the run.
  const idle = await until(served, "Delay", (row) => row.status === "waiting" && row.waiting_reason === "next_run", "to wait between runs", 6_000);
  expect(idle.pid).toBeNull();
  expect(idle.next_run).toEqual(expect.any(String));

  await inStatus(served, "Delay", "completed", 12_000);
  const runs = runsOf(served, "delay.marks");
  expect(runs.length).toBe(3);
  for (let i = 1; i < runs.length; i++) {
    const [start] = runs[i] as [number, number];
    const [, previousEnd] = runs[i - 1] as [number, number];
    // Never before an interval has passed since the end; the exact delay is asserted on a fake clock (lifecycle-periodic.test.ts).
    expect(start - previousEnd).toBeGreaterThanOrEqual(950);
  }
  expect(served.stderr()).not.toContain("run skipped");
});

// ── stop and start ─────────────────────────────────────────────────────────

concurrent("stop between runs → stopped, no next_run; start → runs again at once, with a fresh limit", async () => {
  await using served = await serve(agent("Job", { command: sh("echo run"), execution_interval: 5, limit: 2 }));
  await until(served, "Job", (row) => row.status === "waiting" && row.waiting_reason === "next_run", "to wait for its next run");
  expect(await served.data("stop", { agent: "Job" })).toEqual({ agent: "Job", action: "stopped", graceful_shutdown: true });
  expect(await psOf(served, "Job")).toMatchObject({ status: "stopped", pid: null, next_run: null, waiting_reason: null });

  // The first run of a schedule is immediate, not an interval away.
  expect(await served.data("start", { agent: "Job" })).toMatchObject({ agent: "Job", action: "started" });
  await waitFor(() => logLines(served, "Job").length >= 2, "the second run in the log", 3_000);
  expect(served.stderr().match(/Job run \d+ started/g)).toEqual(["Job run 1 started", "Job run 1 started"]);
  await until(served, "Job", (row) => row.status === "waiting" && row.waiting_reason === "next_run", "to wait again");
});

// ── periodic providers ─────────────────────────────────────────────────────

concurrent('a periodic provider: "started" holds between its runs, "completed" only after its last run', async () => {
  await using served = await serve(
    agent("Feed", { command: sh("echo tick"), execution_interval: 2, limit: 2 }) +
      agent("Reader", { command: ["sleep", "30"], depends_on: ["Feed"], autostart: false }) +
      agent("Report", { command: sh("echo done"), kind: "oneshot", depends_on: { Feed: "completed" } }),
  );
  const between = await until(served, "Feed", (row) => row.status === "waiting" && row.waiting_reason === "next_run", "to wait between runs");
  expect(between.pid).toBeNull();
  // Idle between runs (2 s of it), Feed is "started": Reader starts at once, without starting Feed again.
  expect(await served.data("start", { agent: "Reader" })).toMatchObject({ status: "running", also_started: [] });
  // ... but not "completed": Report waits.
  expect(await psOf(served, "Report")).toMatchObject({ status: "waiting", waiting_reason: "dependencies" });
  expect(served.stderr()).not.toContain("Feed run 2 started");

  await inStatus(served, "Feed", "completed", 8_000);
  await inStatus(served, "Report", "completed", 5_000);
  const runTwo = served.stderr().search(/Feed run 2 \(pid \d+\) completed/);
  expect(runTwo).toBeGreaterThanOrEqual(0);
  expect(served.stderr().indexOf("Report started")).toBeGreaterThan(runTwo);
});
