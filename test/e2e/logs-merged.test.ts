// `logs` like `journalctl -f`, through the compiled binary: several agents merged in time order
// (none named, names, `all`, `@group`), each line with its agent; --grep; run markers from the
// event history; and followers (`logs -f`, `history -f`) that end as soon as their reader goes,
// even when nothing is being written, with serve closing its side.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { LogsData } from "../../src/protocol/logs.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

setDefaultTimeout(30_000);

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// Tick: a run a second, "tick" on stdout and "TOCK" on stderr. Loop: two lines, then quiet.
// Quiet: never prints.
const AGENTS = `
[agents.Tick]
command = ["sh", "-c", "echo tick; echo TOCK >&2"]
execution_interval = 1
groups = ["jobs"]

[agents.Loop]
command = ["sh", "-c", "echo loop up; echo loop ready; exec sleep 1000"]
groups = ["web"]

[agents.Quiet]
command = ["sleep", "1000"]
groups = ["web"]
`;

let served: Served;
let slot: Disposable;

beforeAll(async () => {
  slot = await serveSlot();
  served = await serve(AGENTS);
  await waitFor(() => ticks() >= 3, "three runs of Tick");
});
afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
  slot?.[Symbol.dispose]();
});

/** Runs of Tick so far, read from serve's own log. */
function ticks(): number {
  return served.stderr().match(/Tick run \d+ \(pid \d+\) completed/g)?.length ?? 0;
}

async function logs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(["logs", ...args, "--socket", served.socket]);
}

async function json(args: string[]): Promise<LogsData> {
  const ran = await logs([...args, "--json"]);
  if (ran.code !== 0) throw new Error(`logs ${args.join(" ")} exited ${ran.code}: ${ran.stdout}${ran.stderr}`);
  return JSON.parse(ran.stdout).data;
}

describe("several agents at once", () => {
  test("no agent named: every agent's lines in time order, each with its agent; the answer says which agents", async () => {
    const data = await json([]);
    expect({ agent: data.agent, agents: data.agents }).toEqual({ agent: null, agents: ["Tick", "Loop", "Quiet"] });
    expect(new Set(data.lines.map((line) => line.agent))).toEqual(new Set(["Tick", "Loop"]));
    for (const line of data.lines) expect(Object.keys(line)).toEqual(["time", "agent", "stream", "line"]);
    const times = data.lines.map((line) => line.time);
    expect([...times].sort()).toEqual(times);
    for (const time of times) expect(time).toMatch(ISO_MS);
    expect(data.lines.filter((line) => line.agent === "Loop").map((line) => line.line)).toEqual(["loop up", "loop ready"]);
  });

  test("names, all and @group select the same way start and stop do; -n keeps the newest lines of all of them", async () => {
    expect((await json(["@web"])).agents).toEqual(["Loop", "Quiet"]);
    expect((await json(["Loop", "Tick"])).agents).toEqual(["Tick", "Loop"]);
    expect((await json(["all"])).agents).toEqual(["Tick", "Loop", "Quiet"]);
    const newest = await json(["-n", "3"]);
    expect(newest.count).toBe(3);
    const all = await json(["-n", "10000"]);
    expect(newest.lines.map((line) => line.time)).toEqual(all.lines.slice(-3).map((line) => line.time));
    // One agent by its name: the answer is that agent's, as before.
    expect((await json(["Loop"])).agent).toBe("Loop");

    const unknown = await logs(["Loop", "Nope", "--json"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: "AGENT_NOT_FOUND", details: { available_agents: ["Tick", "Loop", "Quiet"] } });
    const noGroup = await logs(["@nope", "--format", "table"]);
    expect(noGroup).toMatchObject({ code: 1, stdout: "" });
    expect(noGroup.stderr).toContain("✗ Group 'nope' not found");
  });

  test("the table prefixes each line with its agent, names padded to one width", async () => {
    const ran = await logs(["Loop", "Tick", "--format", "table", "--no-markers"]);
    expect(ran).toMatchObject({ code: 0, stderr: "" });
    const lines = ran.stdout.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(/^(Tick|Loop) {2}\d{4}-\S+Z (stdout|stderr) \S/);
    expect(lines.filter((line) => line.startsWith("Loop"))).toEqual([expect.stringMatching(/ stdout loop up$/), expect.stringMatching(/ stdout loop ready$/)]);
  });
});

describe("--grep", () => {
  test("a fixed text, case-insensitive unless it has a capital; -n counts matching lines", async () => {
    const lower = await json(["--grep", "tock"]);
    expect(lower.lines.length).toBeGreaterThanOrEqual(3);
    expect(new Set(lower.lines.map((line) => `${line.agent} ${line.stream} ${line.line}`))).toEqual(new Set(["Tick stderr TOCK"]));
    expect(lower.filters).toMatchObject({ grep: "tock" });
    expect((await json(["--grep", "Tock"])).count).toBe(0);
    expect((await json(["--grep", "TOCK", "-n", "2"])).lines.map((line) => line.line)).toEqual(["TOCK", "TOCK"]);
    // Not a regular expression: a dot is a dot.
    expect((await json(["--grep", "loop.up"])).count).toBe(0);
    expect((await json(["--grep", "loop up"])).lines.map((line) => line.line)).toEqual(["loop up"]);
    const empty = await logs(["--grep", ""]);
    expect(empty.code).toBe(2);
  });
});

describe("run markers", () => {
  test("the table shows where each run started and how it ended, from the event history, in time order", async () => {
    const ran = await logs(["Tick", "--format", "table"]);
    expect(ran).toMatchObject({ code: 0, stderr: "" });
    const lines = ran.stdout.trimEnd().split("\n");
    const starts = lines.filter((line) => line.startsWith("── run"));
    expect(starts.length).toBeGreaterThanOrEqual(3);
    for (const line of starts) expect(line).toMatch(/^── run \d+ started \d\d:\d\d:\d\dZ \(pid \d+\) ──$/);
    // Every run reads: started, its two lines, how it ended.
    const first = lines.findIndex((line) => line.startsWith("── run"));
    const run = lines.slice(first, first + 4);
    expect(run.map((line) => line.replace(/^\S+Z /, "").replace(/\d+(ms|\.\ds)/, "N"))).toEqual([
      expect.stringMatching(/^── run \d+ started/),
      expect.stringMatching(/^(stdout tick|stderr TOCK)$/),
      expect.stringMatching(/^(stdout tick|stderr TOCK)$/),
      "── exited 0 after N ──",
    ]);
    const history = (await served.data("history", { agent: "Tick", type: "EXECUTION_STARTED" })).events;
    const number = Number(/run (\d+)/.exec(run[0] as string)?.[1]);
    const pid = Number(/pid (\d+)/.exec(run[0] as string)?.[1]);
    expect(history.find((event) => event.details.run === number)?.details.pid).toBe(pid);

    // Merged, markers carry their agent like lines; --no-markers leaves only lines.
    const merged = (await logs(["--format", "table"])).stdout.split("\n");
    expect(merged.some((line) => /^Loop {3}── started \d\d:\d\d:\d\dZ \(pid \d+\) ──$/.test(line))).toBe(true);
    expect((await logs(["Tick", "--format", "table", "--no-markers"])).stdout).not.toContain("──");
    // --grep leaves them out unless asked for.
    expect((await logs(["Tick", "--format", "table", "--grep", "tick"])).stdout).not.toContain("──");
  });

  test("JSON has them only when asked (--markers), each with its event's facts", async () => {
    expect((await json(["Tick"])).markers).toEqual([]);
    const data = await json(["Tick", "--markers"]);
    expect(data.filters.markers).toBe(true);
    const [start, end] = data.markers.filter((marker) => marker.run !== null);
    expect(start).toEqual({
      time: expect.stringMatching(ISO_MS),
      agent: "Tick",
      kind: "started",
      event: "EXECUTION_STARTED",
      seq: expect.any(Number),
      pid: expect.any(Number),
      run: expect.any(Number),
      exit_code: null,
      signal: null,
      ran_ms: null,
      error: null,
    });
    expect(end).toMatchObject({ kind: "ended", event: "EXECUTION_COMPLETED", pid: start?.pid, run: start?.run, exit_code: 0, ran_ms: expect.any(Number) });
  });
});

describe("--follow", () => {
  test("merged: new lines of every agent followed, and markers as runs start and end", async () => {
    const proc = Bun.spawn([BINARY, "logs", "Tick", "Loop", "-n", "0", "--markers", "--follow", "--socket", served.socket], {
      env: cleanEnv(),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const frames: { data: LogsData }[] = [];
    const reader = proc.stdout.getReader();
    let buffer = "";
    const decoder = new TextDecoder();
    const seen = () => frames.flatMap((frame) => frame.data.markers.map((marker) => marker.kind));
    await waitFor(
      async () => {
        const chunk = await reader.read();
        buffer += decoder.decode(chunk.value ?? new Uint8Array(), { stream: true });
        while (buffer.includes("\n")) {
          frames.push(JSON.parse(buffer.slice(0, buffer.indexOf("\n"))));
          buffer = buffer.slice(buffer.indexOf("\n") + 1);
        }
        return seen().includes("started") && seen().includes("ended") && frames.flatMap((frame) => frame.data.lines).length >= 2;
      },
      "a run's markers and lines",
      15_000,
    );
    expect(frames[0]?.data).toMatchObject({ agent: null, agents: ["Tick", "Loop"], lines: [] });
    for (const line of frames.flatMap((frame) => frame.data.lines)) expect(line).toMatchObject({ agent: "Tick", time: expect.stringMatching(ISO_MS) });
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
  });
});

/** Connections serve has open on its socket: /proc/net/unix lists the listening one and each accepted one under its path. */
function connections(): number {
  return (
    readFileSync("/proc/net/unix", "utf8")
      .split("\n")
      .filter((line) => line.endsWith(` ${served.socket}`)).length - 1
  );
}

describe("a follower whose reader goes away", () => {
  for (const command of [
    ["logs", "Quiet", "-f"],
    ["history", "-f", "--agent", "Quiet"],
    ["logs", "Quiet", "-f", "--format", "table"],
  ]) {
    test(`\`${command.join(" ")} | head -1\` returns at once on a quiet stream, and serve closes its side`, async () => {
      // The table of a quiet agent prints nothing: `head` gets its line from `echo` there, and goes.
      const head = command.includes("table")
        ? `{ echo start; ${BINARY} ${command.join(" ")} --socket ${served.socket}; }`
        : `${BINARY} ${command.join(" ")} --socket ${served.socket}`;
      const started = performance.now();
      const ran = Bun.spawn(["sh", "-c", `${head} | head -1`], { env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
      const killer = setTimeout(() => ran.kill("SIGKILL"), 10_000);
      const [out, code] = await Promise.all([new Response(ran.stdout).text(), ran.exited]);
      clearTimeout(killer);
      const seconds = (performance.now() - started) / 1000;
      expect({ code, lines: out.trimEnd().split("\n").length }).toEqual({ code: 0, lines: 1 });
      // Nothing more is written to a quiet stream: only the reader's going can end it this soon.
      expect(seconds).toBeLessThan(3);
      await waitFor(() => connections() === 0, "serve to close the follower's connection", 5_000);
    });
  }
});
