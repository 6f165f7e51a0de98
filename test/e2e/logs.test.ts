// `logs` through the compiled binary against a real serve and real agents: the last lines as JSON
// and as a table, --stream, --since, --follow read as it arrives (across a restart, and across
// rotations of a fast writer without a gap or a repeat), and the errors scripts rely on.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentLogLine, LogsData } from "../../src/protocol/logs.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

setDefaultTimeout(20_000);

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// Count prints its run, eight stdout lines, and three stderr lines once `go` exists; each time
// `more` appears it prints three more. Burst writes numbers as fast as it can, into 64 KB logs.
const AGENTS = `
[agents.Count]
command = ["sh", "-c", "echo \\"run $$\\"; for i in 1 2 3 4 5 6 7 8; do echo \\"out $i\\"; done; while [ ! -e go ]; do sleep 0.05; done; for i in 1 2 3; do echo \\"err $i\\" >&2; done; n=0; while :; do if [ -e more ]; then rm -f more; n=$((n+1)); for i in 1 2 3; do echo \\"late $n.$i\\"; done; fi; sleep 0.05; done"]

[agents.Burst]
command = ["sh", "-c", "i=1; while :; do seq $i $((i+199)); i=$((i+200)); sleep 0.01; done"]
autostart = false
log_max_size = "64KB"
log_keep = 5

[agents.Silent]
command = ["sleep", "1000"]
`;

/** Lines of a child's stdout, each handed over once complete. */
function lineReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return async (timeoutMs = 10_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (!buffer.includes("\n")) {
      let timer: Timer | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no complete line within ${timeoutMs}ms (have ${JSON.stringify(buffer.slice(-200))})`)),
          Math.max(0, deadline - Date.now()),
        );
      });
      const chunk = await Promise.race([reader.read(), timedOut]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error(`stdout ended (have ${JSON.stringify(buffer.slice(-200))})`);
      buffer += decoder.decode(chunk.value, { stream: true });
    }
    const end = buffer.indexOf("\n");
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    return line;
  };
}

function follower(served: Served, args: string[]) {
  const proc = Bun.spawn([BINARY, "logs", ...args, "--follow", "--socket", served.socket], {
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const next = lineReader(proc.stdout);
  /** NDJSON frames until `done` says the lines seen so far are enough. */
  const until = async (done: (lines: AgentLogLine[]) => boolean): Promise<AgentLogLine[]> => {
    const seen: AgentLogLine[] = [];
    while (!done(seen)) {
      const frame = JSON.parse(await next());
      expect(frame.status).toBe("success");
      seen.push(...frame.data.lines);
    }
    return seen;
  };
  return { proc, next, until };
}

/** Commands the server has finished (a follow counts once its stream has ended). */
async function processed(served: Served): Promise<number> {
  return (await served.data("report")).performance.messages_processed;
}

/** A `logs --json` answer as the client prints it: the envelope without its id. */
interface LogsAnswer {
  status: "success";
  data: LogsData;
  timestamp: string;
}

async function json(served: Served, args: string[]): Promise<LogsAnswer> {
  const ran = await cli(["logs", ...args, "--socket", served.socket]);
  if (ran.code !== 0) throw new Error(`logs ${args.join(" ")} exited ${ran.code}: ${ran.stdout}${ran.stderr}`);
  return JSON.parse(ran.stdout);
}

describe("logs", () => {
  let served: Served;
  let slot: Disposable;

  beforeAll(async () => {
    slot = await serveSlot();
    served = await serve(AGENTS);
    await waitFor(async () => (await json(served, ["Count", "--stream", "stdout"])).data.count === 9, "Count's stdout lines");
    writeFileSync(join(served.dir, "go"), "");
    await waitFor(async () => (await json(served, ["Count", "--stream", "stderr"])).data.count === 3, "Count's stderr lines");
  });
  afterAll(async () => {
    await served?.[Symbol.asyncDispose]();
    slot?.[Symbol.dispose]();
  });

  test("-n 5 --json: the last five lines of both streams, oldest first, with time and stream", async () => {
    const ran = await cli(["logs", "Count", "-n", "5", "--json", "--socket", served.socket]);
    expect(ran.code).toBe(0);
    const envelope: LogsAnswer = JSON.parse(ran.stdout);
    expect(Object.keys(envelope)).toEqual(["status", "data", "timestamp"]);
    expect(envelope.data).toEqual({
      agent: "Count",
      agents: ["Count"],
      lines: [
        { time: expect.stringMatching(ISO_MS), agent: "Count", stream: "stdout", line: "out 7" },
        { time: expect.stringMatching(ISO_MS), agent: "Count", stream: "stdout", line: "out 8" },
        { time: expect.stringMatching(ISO_MS), agent: "Count", stream: "stderr", line: "err 1" },
        { time: expect.stringMatching(ISO_MS), agent: "Count", stream: "stderr", line: "err 2" },
        { time: expect.stringMatching(ISO_MS), agent: "Count", stream: "stderr", line: "err 3" },
      ],
      markers: [],
      count: 5,
      limited: false,
      filters: { lines: 5, stream: null, since: null, grep: null, markers: false },
    });
    const times = envelope.data.lines.map((line) => line.time);
    expect([...times].sort()).toEqual(times);
  });

  test("table: one `TIME STREAM LINE` per line; --stream keeps one stream; nothing at all for an agent with no output", async () => {
    const ran = await cli(["logs", "Count", "-n", "3", "--stream", "stdout", "--format", "table", "--no-markers", "--socket", served.socket]);
    expect(ran).toMatchObject({ code: 0, stderr: "" });
    const lines = ran.stdout.trimEnd().split("\n");
    expect(lines.map((line) => line.replace(/^\S+ /, ""))).toEqual(["stdout out 6", "stdout out 7", "stdout out 8"]);
    for (const line of lines) expect(line.split(" ")[0]).toMatch(ISO_MS);

    const stderr = await json(served, ["Count", "--stream", "stderr"]);
    expect(stderr.data.lines.map((line) => `${line.stream} ${line.line}`)).toEqual(["stderr err 1", "stderr err 2", "stderr err 3"]);
    expect(stderr.data.filters).toEqual({ lines: 100, stream: "stderr", since: null, grep: null, markers: false });

    expect(await cli(["logs", "Silent", "--format", "table", "--socket", served.socket])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect((await json(served, ["Silent"])).data).toMatchObject({ lines: [], count: 0 });
  });

  test("--since keeps lines at or after a time (ISO or a duration ago)", async () => {
    const all = (await json(served, ["Count"])).data.lines;
    const err1 = all.find((line) => line.line === "err 1") as AgentLogLine;
    const since = await json(served, ["Count", "--since", err1.time]);
    expect(since.data.lines.map((line) => line.line)).toEqual(["err 1", "err 2", "err 3"]);
    expect(since.data.filters.since).toBe(err1.time);
    expect((await json(served, ["Count", "--since", "1h"])).data.count).toBe(12);
    expect((await json(served, ["Count", "--since", "2h", "-n", "2"])).data.lines.map((line) => line.line)).toEqual(["err 2", "err 3"]);
    expect((await json(served, ["Count", "--since", "2099-01-01T00:00:00Z"])).data.count).toBe(0);
  });

  test("--follow: the backlog, then lines printed after it started, read as they come; Ctrl+C exits 0 and ends the stream on the server", async () => {
    const before = await processed(served);
    const follow = follower(served, ["Count", "-n", "2"]);
    const backlog: LogsAnswer = JSON.parse(await follow.next());
    expect(Object.keys(backlog)).toEqual(["status", "data", "timestamp"]);
    expect(backlog.data.lines.map((line) => line.line)).toEqual(["err 2", "err 3"]);

    writeFileSync(join(served.dir, "more"), "");
    const live = await follow.until((lines) => lines.some((line) => line.line === "late 1.3"));
    expect(live.map((line) => `${line.stream} ${line.line}`)).toEqual(["stdout late 1.1", "stdout late 1.2", "stdout late 1.3"]);
    // Once more, so it is not just the first frame after the backlog.
    await waitFor(() => !existsSync(join(served.dir, "more")), "Count to take `more`");
    writeFileSync(join(served.dir, "more"), "");
    expect((await follow.until((lines) => lines.length === 3)).map((line) => line.line)).toEqual(["late 2.1", "late 2.2", "late 2.3"]);

    // While it streams, the follow is not a finished command.
    const during = await processed(served);
    expect(during).toBe(before + 1);
    follow.proc.kill("SIGINT");
    expect(await follow.proc.exited).toBe(0);
    expect(await new Response(follow.proc.stderr).text()).toBe("");
    // The server ends the stream once the connection closes: it becomes one finished command
    // (each poll is one more, counted once it has finished).
    let polls = 0;
    await waitFor(async () => (await processed(served)) - polls++ - (during + 1) === 1, "the follow to end on the server");
  });

  test("--follow keeps going across a restart of the agent (the log outlives the process)", async () => {
    const follow = follower(served, ["Count", "-n", "1", "--stream", "stdout", "--format", "table", "--no-markers"]);
    const line = async () => (await follow.next()).replace(/^\S+ /, "");
    // The backlog's one line says the stream is up.
    expect(await line()).toMatch(/^stdout (out 8|late \d\.3)$/);
    const restarted = await served.data("restart", { agent: "Count" });
    expect(await line()).toBe(`stdout run ${restarted.pid}`);
    for (let i = 1; i <= 8; i++) expect(await line()).toBe(`stdout out ${i}`);
    follow.proc.kill("SIGINT");
    expect(await follow.proc.exited).toBe(0);
  });

  test("a fast writer whose log rotates many times: backlog and follow meet without a gap or a repeat", async () => {
    await served.data("start", { agent: "Burst" });
    try {
      const files = () => ["Burst.log.1", "Burst.log.2", "Burst.log.3"].filter((name) => existsSync(join(served.dir, ".pyorchestrate", "logs", name)));
      await waitFor(() => files().length === 3, "Burst's log to rotate three times");

      // A backlog that spans rotated files is read as one run of numbers.
      const tail = (await json(served, ["Burst", "-n", "3000"])).data.lines.map((line) => Number(line.line));
      expect(tail.length).toBe(3000);
      expect(tail).toEqual(tail.map((_: number, i: number) => (tail[0] as number) + i));

      const follow = follower(served, ["Burst", "-n", "500"]);
      const numbers = (await follow.until((lines) => lines.length >= 8_000)).map((line) => Number(line.line));
      follow.proc.kill("SIGINT");
      expect(await follow.proc.exited).toBe(0);
      const first = numbers[0] as number;
      const gaps = numbers.filter((n, i) => n !== first + i);
      expect(gaps.slice(0, 5)).toEqual([]);
    } finally {
      await served.call("stop", { agent: "Burst" });
    }
  });

  test("errors: unknown agent (exit 1, AGENT_NOT_FOUND), bad -n and --stream (usage, exit 2), -n out of range and bad --since (INVALID_ARGUMENT, exit 1)", async () => {
    const unknown = await cli(["logs", "Nope", "--json", "--socket", served.socket]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: "AGENT_NOT_FOUND", details: { available_agents: ["Count", "Burst", "Silent"] } });
    const unknownTable = await cli(["logs", "Nope", "--format", "table", "--socket", served.socket]);
    expect(unknownTable).toMatchObject({ code: 1, stdout: "" });
    expect(unknownTable.stderr).toContain("✗ Agent 'Nope' not found");
    const unknownFollow = await cli(["logs", "Nope", "--follow", "--socket", served.socket]);
    expect(unknownFollow.code).toBe(1);
    expect(JSON.parse(unknownFollow.stdout).error.code).toBe("AGENT_NOT_FOUND");

    for (const args of [["-n", "abc"], ["-n", "-5"], ["--stream", "both"], ["-n"], ["--lines=1.5"]]) {
      const ran = await cli(["logs", "Count", ...args, "--socket", served.socket]);
      expect({ args, code: ran.code, stdout: ran.stdout }).toEqual({ args, code: 2, stdout: "" });
      expect(ran.stderr).toContain("Usage: pyorchestrate logs [agent]");
    }

    for (const [args, argument] of [
      [["-n", "10001"], "lines"],
      [["--since", "yesterday"], "since"],
    ] as const) {
      const ran = await cli(["logs", "Count", ...args, "--json", "--socket", served.socket]);
      expect(ran.code).toBe(1);
      expect(JSON.parse(ran.stdout).error).toMatchObject({ code: "INVALID_ARGUMENT", details: { argument } });
    }

    // The server checks every argument itself, whatever the client.
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ agent: "../etc" }, "agent"],
      [{ agent: "Count,,Burst" }, "agent"],
      [{ agent: "Count", grep: "" }, "grep"],
      [{ agent: "Count", grep: "x".repeat(257) }, "grep"],
      [{ agent: "Count", markers: "yes" }, "markers"],
      [{ agent: "Count", lines: 2.5 }, "lines"],
      [{ agent: "Count", lines: "5" }, "lines"],
      [{ agent: "Count", stream: "stdin" }, "stream"],
      [{ agent: "Count", since: 5 }, "since"],
      [{ agent: "Count", follow: "yes" }, "follow"],
      [{ agent: "Count", tail: 5 }, "tail"],
    ];
    for (const [args, argument] of bad) {
      const envelope = await served.call("logs", args as never);
      expect({ args, error: envelope.status === "error" ? envelope.error : null }).toMatchObject({
        args,
        error: { code: "INVALID_ARGUMENT", details: { argument } },
      });
    }
  });

  // Last: it ends this serve.
  test("a follow ends cleanly (exit 0) when a reload removes its agent, and when serve shuts down", async () => {
    const silent = follower(served, ["Silent"]);
    const count = follower(served, ["Count", "-n", "1"]);
    expect(JSON.parse(await silent.next()).data.lines).toEqual([]);
    expect(JSON.parse(await count.next()).data.count).toBe(1);

    served.rewrite(AGENTS.replace(/\[agents\.Silent\][\s\S]*$/, ""));
    expect((await served.data("reload")).removed).toEqual(["Silent"]);
    expect(await silent.proc.exited).toBe(0);

    expect(await served.stop()).toBe(0);
    expect(await count.proc.exited).toBe(0);
    expect(await new Response(count.proc.stderr).text()).toBe("");
  });
});
