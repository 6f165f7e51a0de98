// Looping and oneshot agents under a real serve: dependency order, worker limit, restarts,
// stop and its signals, output logs, and what a signalled serve leaves behind.

import { expect } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PsAgent } from "../../src/protocol/commands.ts";
import { groupMembers, isAlive } from "../helpers/processes.ts";
import { type Served, serve } from "../helpers/serve.ts";
import { agent, armed, inStatus, psAll, psOf, running, sh, statusOf, until } from "../helpers/agents-toml.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

// ── harness ────────────────────────────────────────────────────────────────

const SLEEPER = ["sleep", "30"];

/** Agent names in the order serve logged them as started (`NAME started (pid N)`), with their pids. */
function startedLines(served: Served): Array<{ agent: string; pid: number }> {
  return [...served.stderr().matchAll(/ (\S+) started \(pid (\d+)\)/g)].map((m) => ({ agent: m[1] ?? "", pid: Number(m[2]) }));
}

/** Index of the first serve log line containing `text`, -1 if none. */
function lineIndex(served: Served, text: string): number {
  return served
    .stderr()
    .split("\n")
    .findIndex((line) => line.includes(text));
}

interface LogLine {
  time: string;
  stream: string;
  text: string;
}

function logLines(served: Served, name: string): LogLine[] {
  const path = join(served.dir, ".pyorchestrate", "logs", `${name}.log`);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  return text
    .split("\n")
    .slice(0, -1) // every line ends with \n; the last element is what follows the last one
    .map((line) => {
      const m = /^(\S+) (\S+) (.*)$/s.exec(line);
      if (!m) throw new Error(`malformed log line: ${JSON.stringify(line)}`);
      return { time: m[1] ?? "", stream: m[2] ?? "", text: m[3] ?? "" };
    });
}

/** Process start time in clock ticks since boot, from /proc/PID/stat (field 22). */
function processStartTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[19]);
}

/** A sh script that waits until the file `name` exists in its cwd (the serve folder). */
const gate = (name: string, then = "exit 0") => `while [ ! -f ${name} ]; do sleep 0.05; done; ${then}`;

// ── dependencies ───────────────────────────────────────────────────────────

concurrent("dependency order: providers start before dependents, whatever the declaration order", async () => {
  // Declared dependents first, so declaration order alone would get it wrong.
  await using served = await serve(
    agent("C", { command: SLEEPER, depends_on: ["B"] }) + agent("B", { command: SLEEPER, depends_on: ["A"] }) + agent("A", { command: SLEEPER }),
  );
  for (const name of ["A", "B", "C"]) await running(served, name);
  const all = await psAll(served);
  const started = startedLines(served);
  expect(started).toEqual([
    { agent: "A", pid: all.A?.pid as number },
    { agent: "B", pid: all.B?.pid as number },
    { agent: "C", pid: all.C?.pid as number },
  ]);
  // The kernel agrees: A's process is not younger than B's, nor B's than C's.
  const [a, b, c] = ["A", "B", "C"].map((name) => processStartTicks(all[name]?.pid as number));
  expect(a).toBeLessThanOrEqual(b as number);
  expect(b).toBeLessThanOrEqual(c as number);
});

concurrent('dependents wait ("dependencies") while their provider is stopped and start once it runs', async () => {
  await using served = await serve(
    agent("A", { command: SLEEPER, autostart: false }) +
      agent("B", { command: SLEEPER, depends_on: ["A"] }) +
      agent("C", { command: SLEEPER, depends_on: ["B"] }),
  );
  const before = await psAll(served);
  expect([before.A?.status, before.B, before.C]).toEqual([
    "stopped",
    expect.objectContaining({ status: "waiting", waiting_reason: "dependencies", pid: null }),
    expect.objectContaining({ status: "waiting", waiting_reason: "dependencies", pid: null }),
  ]);
  expect(startedLines(served)).toEqual([]);

  const started = await served.data("start", { agent: "A" });
  expect(started).toMatchObject({ agent: "A", action: "started", also_started: [] });
  for (const name of ["B", "C"]) await running(served, name);
  expect(startedLines(served).map((line) => line.agent)).toEqual(["A", "B", "C"]);
});

concurrent('depends_on { A = "completed" }: B waits until the oneshot A exited 0, then runs', async () => {
  await using served = await serve(
    agent("A", { command: sh(gate("go", "sleep 0.2; exit 0")), kind: "oneshot" }) + agent("B", { command: SLEEPER, depends_on: { A: "completed" } }),
  );
  await running(served, "A");
  // A running satisfies "started" but not "completed": B must still wait.
  expect(await psOf(served, "B")).toMatchObject({ status: "waiting", waiting_reason: "dependencies", pid: null });
  expect((await statusOf(served, "B")).depends_on).toEqual([{ agent: "A", condition: "completed", satisfied: false }]);

  writeFileSync(join(served.dir, "go"), "");
  await inStatus(served, "A", "completed");
  await running(served, "B");
  expect((await statusOf(served, "B")).depends_on).toEqual([{ agent: "A", condition: "completed", satisfied: true }]);
  // B's start comes after A's completion in serve's log.
  const completed = lineIndex(served, "A completed");
  expect(completed).toBeGreaterThanOrEqual(0);
  expect(lineIndex(served, "B started")).toBeGreaterThan(completed);
});

concurrent('depends_on { A = "completed" } is not satisfied by a failed A: B keeps waiting', async () => {
  await using served = await serve(agent("A", { command: sh("exit 4"), kind: "oneshot" }) + agent("B", { command: SLEEPER, depends_on: { A: "completed" } }));
  await inStatus(served, "A", "failed");
  // The exit was handled (and the queue reconsidered) before A became failed: B would be running by now.
  expect(await psOf(served, "B")).toMatchObject({ status: "waiting", waiting_reason: "dependencies", pid: null });
});

concurrent("start of an agent whose provider is stopped starts the provider first (also_started)", async () => {
  await using served = await serve(agent("A", { command: SLEEPER }) + agent("B", { command: SLEEPER, depends_on: ["A"] }));
  const firstA = (await running(served, "A")).pid;
  await running(served, "B");
  expect(await served.data("stop", { agent: "B" })).toMatchObject({ action: "stopped" });
  expect(await served.data("stop", { agent: "A" })).toMatchObject({ action: "stopped" });
  const startsBefore = startedLines(served).length;

  const answer = await served.data("start", { agent: "B" });
  expect(answer).toMatchObject({ agent: "B", action: "started", also_started: ["A"] });
  const a = await running(served, "A");
  const b = await running(served, "B");
  expect(a.pid).not.toBe(firstA);
  expect(answer.pid).toBe(b.pid);
  expect(startedLines(served).slice(startsBefore)).toEqual([
    { agent: "A", pid: a.pid as number },
    { agent: "B", pid: b.pid as number },
  ]);
});

concurrent("start of the end of a stopped chain starts every provider, in start order", async () => {
  await using served = await serve(
    agent("C", { command: SLEEPER, depends_on: ["B"], autostart: false }) +
      agent("B", { command: SLEEPER, depends_on: ["A"], autostart: false }) +
      agent("A", { command: SLEEPER, autostart: false }),
  );
  expect(await served.data("start", { agent: "C" })).toMatchObject({ agent: "C", action: "started", also_started: ["A", "B"] });
  for (const name of ["A", "B", "C"]) await running(served, name);
  expect(startedLines(served).map((line) => line.agent)).toEqual(["A", "B", "C"]);
});

// ── oneshot ────────────────────────────────────────────────────────────────

concurrent("oneshot: exit 0 → completed (last_exit_code 0); exit 3 → failed (last_exit_code 3)", async () => {
  await using served = await serve(agent("Ok", { command: sh("exit 0"), kind: "oneshot" }) + agent("Bad", { command: sh("exit 3"), kind: "oneshot" }));
  await inStatus(served, "Ok", "completed");
  await inStatus(served, "Bad", "failed");
  expect(await statusOf(served, "Ok")).toMatchObject({ status: "completed", pid: null, last_exit_code: 0, restarts: 0 });
  expect(await statusOf(served, "Bad")).toMatchObject({ status: "failed", pid: null, last_exit_code: 3, restarts: 0 });
});

concurrent("oneshot with timeout = 1 running sleep 30 → failed after about a second, its process gone", async () => {
  const t0 = Date.now();
  await using served = await serve(agent("Slow", { command: SLEEPER, kind: "oneshot", timeout: 1 }));
  const pid = (await running(served, "Slow")).pid as number;
  await inStatus(served, "Slow", "failed", 8_000);
  const elapsed = Date.now() - t0;
  expect(elapsed).toBeGreaterThanOrEqual(950);
  expect(elapsed).toBeLessThan(8_000);
  const status = await statusOf(served, "Slow");
  expect(status).toMatchObject({ status: "failed", pid: null });
  expect(status.last_exit_code).not.toBe(0);
  expect(isAlive(pid)).toBe(false);
  expect(served.leftovers()).toEqual([]);
});

// ── max_workers ────────────────────────────────────────────────────────────

concurrent("max_workers = 2: two run, two queued in line (#1, #2); stopping one starts the first queued (FIFO)", async () => {
  await using served = await serve(
    agent("W1", { command: SLEEPER }) + agent("W2", { command: SLEEPER }) + agent("W3", { command: SLEEPER }) + agent("W4", { command: SLEEPER }),
    { orchestrator: "max_workers = 2" },
  );
  await running(served, "W1");
  await running(served, "W2");
  const pick = (row: PsAgent | undefined) => ({
    status: row?.status,
    waiting_reason: row?.waiting_reason,
    queue_position: row?.queue_position,
    hasPid: row?.pid !== null,
  });
  let all = await psAll(served);
  expect(["W1", "W2", "W3", "W4"].map((name) => pick(all[name]))).toEqual([
    { status: "running", waiting_reason: null, queue_position: null, hasPid: true },
    { status: "running", waiting_reason: null, queue_position: null, hasPid: true },
    { status: "waiting", waiting_reason: "queued", queue_position: 1, hasPid: false },
    { status: "waiting", waiting_reason: "queued", queue_position: 2, hasPid: false },
  ]);

  await served.data("stop", { agent: "W1" });
  await running(served, "W3");
  all = await psAll(served);
  expect(["W1", "W2", "W3", "W4"].map((name) => pick(all[name]))).toEqual([
    { status: "stopped", waiting_reason: null, queue_position: null, hasPid: false },
    { status: "running", waiting_reason: null, queue_position: null, hasPid: true },
    { status: "running", waiting_reason: null, queue_position: null, hasPid: true },
    { status: "waiting", waiting_reason: "queued", queue_position: 1, hasPid: false },
  ]);

  // A start while both slots are taken joins the back of the queue, behind W4.
  expect(await served.data("start", { agent: "W1" })).toMatchObject({ status: "waiting", waiting_reason: "queued", queue_position: 2, pid: null });
  expect(await psOf(served, "W1")).toMatchObject({ queue_position: 2 });
  await served.data("stop", { agent: "W2" });
  await running(served, "W4");
  expect(await psOf(served, "W1")).toMatchObject({ status: "waiting", waiting_reason: "queued", queue_position: 1 });
  expect(await served.data("status", { agent: "W1" })).toMatchObject({ waiting_reason: "queued", queue_position: 1 });
  expect((await served.data("status", {})) as { running_agents: number }).toMatchObject({ running_agents: 2 });
});

concurrent("max_workers = 1: a queued agent that is stopped does not start when the slot frees", async () => {
  await using served = await serve(agent("First", { command: SLEEPER }) + agent("Second", { command: SLEEPER }), {
    orchestrator: "max_workers = 1",
  });
  await running(served, "First");
  expect(await psOf(served, "Second")).toMatchObject({ status: "waiting", waiting_reason: "queued", pid: null });
  expect(await served.data("stop", { agent: "Second" })).toEqual({ agent: "Second", action: "stopped", graceful_shutdown: true });
  // The freed slot is handed out while First's exit is handled, before the stop answers.
  await served.data("stop", { agent: "First" });
  expect(await psAll(served)).toMatchObject({
    First: { status: "stopped", pid: null },
    Second: { status: "stopped", pid: null },
  });
  expect(startedLines(served).map((line) => line.agent)).toEqual(["First"]);
});

// ── restart policy ─────────────────────────────────────────────────────────

concurrent("crash loop: on-failure, max_restarts = 2 → backoff (with next_run) twice, then failed; start resets it", async () => {
  await using served = await serve(agent("Crash", { command: sh("exit 1"), restart: "on-failure", max_restarts: 2, restart_window: 60 }));
  const backoff = await until(served, "Crash", (row) => row.status === "backoff", "to back off");
  expect(backoff.pid).toBeNull();
  expect(backoff.next_run).toEqual(expect.any(String));
  const retryAt = Date.parse(backoff.next_run as string);
  expect(retryAt).toBeGreaterThan(Date.now() - 2_000);
  expect(retryAt).toBeLessThan(Date.now() + 5_000);

  // 1 s + 2 s of backoff, then the third exit within the window gives up.
  await inStatus(served, "Crash", "failed", 10_000);
  expect(await statusOf(served, "Crash")).toMatchObject({ status: "failed", pid: null, restarts: 2, last_exit_code: 1, next_run: null });
  expect(served.stderr()).toContain("Crash failed: crash loop");
  expect(served.stderr().match(/Crash restarting in /g)?.length).toBe(2);

  // start works on a failed agent, with a fresh crash-loop history: the next exit backs off again
  // (with the old history it would be the 4th exit in the window and fail at once).
  expect(await served.data("start", { agent: "Crash" })).toMatchObject({ agent: "Crash", action: "started" });
  await until(served, "Crash", (row) => row.status === "backoff", "to back off again after start");
  expect(served.stderr().match(/Crash restarting in /g)?.length).toBe(3);
  // Attempt 1 again (about 1 s), not attempt 3 (about 4 s): the backoff was reset too.
  expect(served.stderr().match(/Crash restarting in \S+ \(attempt 1\)/g)?.length).toBe(2);
});

concurrent('restart = "never" exit 1 → failed; "on-failure" exit 0 → completed; "always" exit 0 → restarted', async () => {
  await using served = await serve(
    agent("Never", { command: sh("exit 1"), restart: "never" }) +
      agent("Clean", { command: sh("exit 0"), restart: "on-failure" }) +
      agent("Always", { command: sh("exit 0"), restart: "always", max_restarts: 100 }),
  );
  await inStatus(served, "Never", "failed");
  await inStatus(served, "Clean", "completed");
  expect(await statusOf(served, "Never")).toMatchObject({ status: "failed", last_exit_code: 1, restarts: 0 });
  expect(await statusOf(served, "Clean")).toMatchObject({ status: "completed", last_exit_code: 0, restarts: 0 });
  // "always" brings a clean exit back too.
  await until(served, "Always", (row) => row.restarts >= 1, "to be restarted", 8_000);
});

concurrent("a looping agent killed with SIGKILL comes back with a new pid and restarts + 1", async () => {
  await using served = await serve(agent("Victim", { command: SLEEPER }));
  const first = await running(served, "Victim");
  expect(first.restarts).toBe(0);
  process.kill(first.pid as number, "SIGKILL");
  // It ran < 10 s: a 1 s backoff first.
  await until(served, "Victim", (row) => row.status === "backoff", "to back off");
  const again = await until(served, "Victim", (row) => row.status === "running" && row.pid !== first.pid, "to run again");
  expect(again.pid).toEqual(expect.any(Number));
  expect(again.restarts).toBe(1);
  expect(isAlive(again.pid as number)).toBe(true);
  expect((await statusOf(served, "Victim")).last_exit_code).toBe(137);
  expect(served.stderr()).toMatch(/Victim killed by signal SIGKILL \(pid \d+\)/);
});

concurrent("restart gives a new pid; the old process is gone", async () => {
  await using served = await serve(agent("R", { command: SLEEPER }));
  const before = await running(served, "R");
  const answer = await served.data("restart", { agent: "R" });
  expect(answer).toMatchObject({ agent: "R", action: "restarted", status: "running" });
  expect(answer.pid).toEqual(expect.any(Number));
  expect(answer.pid).not.toBe(before.pid);
  expect(isAlive(answer.pid as number)).toBe(true);
  expect(isAlive(before.pid as number)).toBe(false);
  expect(await psOf(served, "R")).toMatchObject({ status: "running", pid: answer.pid, restarts: 1 });
});

concurrent("restart of a running agent under a full max_workers keeps its slot (a queued agent does not take it)", async () => {
  await using served = await serve(agent("Busy", { command: SLEEPER }) + agent("Queued", { command: SLEEPER }), {
    orchestrator: "max_workers = 1",
  });
  const before = await running(served, "Busy");
  expect(await psOf(served, "Queued")).toMatchObject({ status: "waiting", waiting_reason: "queued" });
  const answer = await served.data("restart", { agent: "Busy" });
  const after = await psAll(served);
  // What an operator asked for: Busy again, with a new process; Queued still waiting its turn.
  expect({ answer, busy: after.Busy?.status, queued: after.Queued?.status }).toEqual({
    answer: { agent: "Busy", action: "restarted", pid: expect.any(Number), status: "running" },
    busy: "running",
    queued: "waiting",
  });
  expect(answer.pid).not.toBe(before.pid);
});

concurrent("a looping agent that ran at least 10 s is restarted at once, without backoff", async () => {
  await using served = await serve(agent("Steady", { command: sh("sleep 10.1; exit 1") }));
  const first = await running(served, "Steady");
  const again = await until(served, "Steady", (row) => row.status === "running" && row.pid !== first.pid, "to run again", 15_000);
  expect(again.restarts).toBe(1);
  expect(served.stderr()).not.toContain("Steady restarting in");
  expect(served.stderr()).toContain("Steady restarting (exited)");
  // From the exit to the new start: no 1 s backoff in between.
  const at = (text: string) => {
    const line = served
      .stderr()
      .split("\n")
      .find((l) => l.includes(text));
    return Date.parse(line?.split(" ")[0] ?? "");
  };
  // No backoff line above, and the new start comes after the exit; that it is immediate is
  // asserted on a fake clock (lifecycle-looping.test.ts), free of a loaded machine's delays.
  const gap = at(`Steady started (pid ${again.pid})`) - at("Steady exited");
  expect(gap).toBeGreaterThanOrEqual(0);
});

// ── stop ───────────────────────────────────────────────────────────────────

concurrent("stop of an agent that exits on TERM → graceful_shutdown true", async () => {
  await using served = await serve(agent("Polite", { command: sh("trap 'echo bye; exit 0' TERM; while true; do sleep 0.05; done"), stop_timeout: 5 }));
  const { pid } = await armed(served, "Polite");
  const t0 = Date.now();
  expect(await served.data("stop", { agent: "Polite" })).toEqual({ agent: "Polite", action: "stopped", graceful_shutdown: true });
  expect(Date.now() - t0).toBeLessThan(4_000);
  expect(await psOf(served, "Polite")).toMatchObject({ status: "stopped", pid: null });
  expect(isAlive(pid as number)).toBe(false);
  // It ran its trap: the TERM reached it, not a SIGKILL.
  await waitFor(() => logLines(served, "Polite").some((line) => line.text === "bye"), "the trap's output in the log");
});

concurrent("stop of an agent that ignores TERM (stop_timeout = 1) → graceful_shutdown false, process gone", async () => {
  await using served = await serve(agent("Stubborn", { command: sh("trap '' TERM; while true; do sleep 0.05; done"), stop_timeout: 1 }));
  const { pid } = await running(served, "Stubborn");
  await waitFor(() => groupMembers(pid as number).length >= 2, "the loop's sleep");
  const t0 = Date.now();
  expect(await served.data("stop", { agent: "Stubborn" })).toEqual({ agent: "Stubborn", action: "stopped", graceful_shutdown: false });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  expect(isAlive(pid as number)).toBe(false);
  expect(groupMembers(pid as number)).toEqual([]);
  expect(served.leftovers()).toEqual([]);
  expect(await psOf(served, "Stubborn")).toMatchObject({ status: "stopped", pid: null });
});

concurrent("stop of an agent with grandchildren leaves nothing behind (its process group is gone)", async () => {
  await using served = await serve(agent("Parent", { command: sh("sleep 300 & sleep 300 & wait") }));
  const pid = (await running(served, "Parent")).pid as number;
  await waitFor(() => groupMembers(pid).length >= 3, "the shell and its two sleeps");
  expect(served.leftovers().length).toBeGreaterThanOrEqual(3);
  expect(await served.data("stop", { agent: "Parent" })).toMatchObject({ action: "stopped" });
  expect(groupMembers(pid)).toEqual([]);
  expect(served.leftovers()).toEqual([]);
});

concurrent("stop: grandchildren that ignore TERM go with their leader (killed with the group)", async () => {
  // The shell dies on TERM at once (graceful), its children ignore TERM and would outlive it.
  await using served = await serve(agent("Leader", { command: sh("(trap '' TERM; exec sleep 300) & (trap '' TERM; exec sleep 300) & wait"), stop_timeout: 5 }));
  const pid = (await running(served, "Leader")).pid as number;
  await waitFor(() => groupMembers(pid).length >= 3, "the shell and its two sleeps");
  const t0 = Date.now();
  const answer = await served.data("stop", { agent: "Leader" });
  expect(answer).toMatchObject({ action: "stopped" });
  expect(Date.now() - t0).toBeLessThan(4_000);
  expect(groupMembers(pid)).toEqual([]);
  expect(served.leftovers()).toEqual([]);
});

concurrent("stop_signal: the configured signal is what the agent gets first", async () => {
  // Ignores TERM, leaves on INT: only a stop that sends SIGINT is graceful.
  await using served = await serve(
    agent("IntOnly", { command: sh("trap '' TERM; trap 'exit 0' INT; while true; do sleep 0.05; done"), stop_signal: "SIGINT", stop_timeout: 5 }),
  );
  const { pid } = await armed(served, "IntOnly");
  const t0 = Date.now();
  expect(await served.data("stop", { agent: "IntOnly" })).toEqual({ agent: "IntOnly", action: "stopped", graceful_shutdown: true });
  expect(Date.now() - t0).toBeLessThan(4_000);
  expect(isAlive(pid as number)).toBe(false);
});

// ── output ─────────────────────────────────────────────────────────────────

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

concurrent("output: stdout and stderr lines with their stream, the partial last line, and unicode survive", async () => {
  const script = "printf 'a\\n'; printf 'oops\\n' >&2; printf 'température 21°C\\n'; printf 'err partial' >&2; printf 'b\\npartial'";
  await using served = await serve(agent("Talker", { command: sh(script), kind: "oneshot" }));
  await inStatus(served, "Talker", "completed");
  const lines = await waitFor(() => {
    const found = logLines(served, "Talker");
    return found.length >= 6 ? found : null;
  }, "six log lines");
  for (const line of lines) expect(line.time).toMatch(ISO_MS);
  // A line that does not end (the partial last line) is marked `stdout+` / `stderr+`.
  const of = (stream: string) => lines.filter((line) => line.stream.replace(/\+$/, "") === stream).map((line) => line.text);
  const continued = lines.filter((line) => line.stream.endsWith("+")).map((line) => `${line.stream} ${line.text}`);
  expect({ stdout: of("stdout"), stderr: of("stderr"), continued: continued.sort(), total: lines.length }).toEqual({
    stdout: ["a", "température 21°C", "b", "partial"],
    stderr: ["oops", "err partial"],
    continued: ["stderr+ err partial", "stdout+ partial"],
    total: 6,
  });
});

concurrent("output: nothing is lost from a burst, nor from a long multi-byte line split across reads", async () => {
  // 2000 quick lines, then one line of 'x' and 100 000 'é' (200 001 bytes, written in even-sized blocks
  // after the odd 'x': every read boundary cuts an 'é' in two).
  const script = "seq 1 2000; (printf x; yes é | head -n 100000) | tr -d '\\n'; printf '\\nend\\n'";
  await using served = await serve(agent("Burst", { command: sh(script), kind: "oneshot" }));
  await inStatus(served, "Burst", "completed");
  const lines = await waitFor(() => {
    const found = logLines(served, "Burst");
    return found.at(-1)?.text === "end" ? found : null;
  }, "the last line in the log");
  // Pieces of the long line are marked `stdout+` (the line goes on in the next record).
  expect(lines.every((line) => line.stream === "stdout" || line.stream === "stdout+")).toBe(true);
  const numbers = lines.slice(0, 2000).map((line) => line.text);
  expect(numbers).toEqual(Array.from({ length: 2000 }, (_, i) => String(i + 1)));
  // The long line may be written in pieces; joined, it is intact: no U+FFFD, no lost byte.
  const long = lines
    .slice(2000, -1)
    .map((line) => line.text)
    .join("");
  expect(long.length).toBe(100_001);
  expect(long).toBe(`x${"é".repeat(100_000)}`);
});

concurrent("an agent runs in its cwd (relative to the config's folder) with its env and PYORCHESTRATE_AGENT", async () => {
  await using served = await serve(
    agent("Where", {
      command: sh('pwd; echo "greeting=$GREETING agent=$PYORCHESTRATE_AGENT"'),
      kind: "oneshot",
      cwd: ".pyorchestrate/logs",
      env: { GREETING: "hi there" },
    }),
  );
  await inStatus(served, "Where", "completed");
  const lines = await waitFor(() => {
    const found = logLines(served, "Where");
    return found.length >= 2 ? found : null;
  }, "two log lines");
  expect(lines.map((line) => [line.stream, line.text])).toEqual([
    ["stdout", join(served.dir, ".pyorchestrate", "logs")],
    ["stdout", "greeting=hi there agent=Where"],
  ]);
});

// ── serve signals ──────────────────────────────────────────────────────────

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  concurrent(`${signal} to serve: exit 0, dependents stopped first, no process left, socket removed`, async () => {
    await using served = await serve(
      agent("Provider", { command: SLEEPER }) +
        // Slow to leave: if both got TERM together, Provider would be logged as stopped first.
        agent("Dependent", { command: sh("trap 'sleep 0.3; exit 0' TERM; while true; do sleep 0.05; done"), depends_on: ["Provider"] }) +
        agent("Family", { command: sh("sleep 300 & sleep 300 & wait") }) +
        agent("Stubborn", { command: sh("trap '' TERM; while true; do sleep 0.05; done"), stop_timeout: 1 }) +
        agent("Crash", { command: sh("exit 1") }),
    );
    for (const name of ["Provider", "Dependent", "Family", "Stubborn"]) await running(served, name);
    const family = (await psOf(served, "Family")).pid as number;
    await waitFor(() => groupMembers(family).length >= 3, "Family's sleeps");
    await until(served, "Crash", (row) => row.status === "backoff", "to back off");
    expect(existsSync(served.socket)).toBe(true);
    expect(served.leftovers().length).toBeGreaterThanOrEqual(6);

    expect(await served.stop(signal)).toBe(0);
    expect(served.leftovers()).toEqual([]);
    expect(existsSync(served.socket)).toBe(false);
    const dependentStopped = lineIndex(served, "Dependent stopped");
    expect(dependentStopped).toBeGreaterThanOrEqual(0);
    expect(lineIndex(served, "Provider stopped")).toBeGreaterThan(dependentStopped);
    expect(served.stderr()).toContain("shutdown complete");
  });
}

concurrent("SIGTERM to serve: shutdown_timeout bounds the whole shutdown, even with a long stop_timeout", async () => {
  await using served = await serve(agent("Stubborn", { command: sh("trap '' TERM; while true; do sleep 0.05; done"), stop_timeout: 30 }), {
    orchestrator: "shutdown_timeout = 1",
  });
  const pid = (await running(served, "Stubborn")).pid as number;
  const t0 = Date.now();
  expect(await served.stop("SIGTERM")).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(isAlive(pid)).toBe(false);
  expect(served.leftovers()).toEqual([]);
  expect(existsSync(served.socket)).toBe(false);
});

concurrent("a second SIGTERM to serve kills every agent at once", async () => {
  await using served = await serve(agent("Stubborn", { command: sh("trap '' TERM; while true; do sleep 0.05; done"), stop_timeout: 30 }));
  const pid = (await armed(served, "Stubborn")).pid as number;
  served.proc.kill("SIGTERM");
  await waitFor(async () => (await psOf(served, "Stubborn")).status === "stopping", "Stubborn to be stopping");
  const t0 = Date.now();
  expect(await served.stop("SIGTERM")).toBe(0);
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(isAlive(pid)).toBe(false);
  expect(served.leftovers()).toEqual([]);
});

/**
 * SIGTERM to serve, then up to `ms` for it to exit. Whatever of this serve is still alive then is
 * SIGKILLed (so a hung serve can finish and the test ends); resolves to what was found.
 */
async function terminateServe(served: Served, ms: number): Promise<{ exitedInTime: boolean; leftovers: number[] }> {
  served.proc.kill("SIGTERM");
  const exitedInTime = await waitFor(() => served.proc.exitCode !== null, "serve to exit", ms).then(
    () => true,
    () => false,
  );
  const leftovers = served.leftovers();
  for (const pid of leftovers) process.kill(pid, "SIGKILL");
  return { exitedInTime, leftovers };
}

concurrent("SIGTERM to serve: a descendant that left the agent's process group (setsid) does not outlive serve", async () => {
  // The escaped sleep writes nowhere: only the orchestrator's process tracking can find it.
  await using served = await serve(agent("Daemonizer", { command: sh("setsid sleep 300 >/dev/null 2>&1 & exec sleep 300") }));
  await running(served, "Daemonizer");
  await waitFor(() => served.leftovers().length >= 2, "the agent and its setsid'd sleep");
  expect(await terminateServe(served, 8_000)).toEqual({ exitedInTime: true, leftovers: [] });
  expect(await served.stop()).toBe(0);
});

concurrent("SIGTERM to serve: serve exits even when an escaped descendant still holds the agent's output pipes", async () => {
  // The setsid'd sleep inherits the agent's stdout and stderr: the pipes stay open after the agent is gone.
  await using served = await serve(agent("Holder", { command: sh("setsid sleep 300 & exec sleep 300") }));
  await running(served, "Holder");
  await waitFor(() => served.leftovers().length >= 2, "the agent and its setsid'd sleep");
  const outcome = await terminateServe(served, 8_000);
  expect(served.stderr()).toContain("shutdown complete");
  expect(outcome.exitedInTime).toBe(true);
  expect(await served.stop()).toBe(0);
});

concurrent("a command that cannot be started → oneshot failed (127), serve keeps serving", async () => {
  await using served = await serve(agent("Missing", { command: ["/nonexistent/program"], kind: "oneshot" }) + agent("Fine", { command: SLEEPER }));
  await inStatus(served, "Missing", "failed");
  expect(await statusOf(served, "Missing")).toMatchObject({ status: "failed", pid: null, last_exit_code: 127 });
  await running(served, "Fine");
});

concurrent("a command that is not there: status says why in last_error, and a start that works clears it", async () => {
  await using served = await serve(agent("Missing", { command: ["./later.sh"], restart: "never" }));
  const failed = await until(served, "Missing", (row) => row.status === "failed", "to fail");
  expect(failed.pid).toBeNull();
  expect((await statusOf(served, "Missing")).last_error).toMatch(/^ENOENT: no such executable: '\.\/later\.sh'/);
  writeFileSync(join(served.dir, "later.sh"), "#!/bin/sh\nexec sleep 300\n", { mode: 0o755 });
  await served.data("start", { agent: "Missing" });
  await running(served, "Missing");
  expect((await statusOf(served, "Missing")).last_error).toBeNull();
});
