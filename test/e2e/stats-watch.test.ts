// `stats --watch` through the compiled binary: NDJSON frames read as they arrive when piped, the
// live table under a pseudo-terminal (`script`), and the stream's end on the server when the
// client goes — by Ctrl+C, by its reader closing the pipe, or by the orchestrator going away.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { StatsWatchFrame } from "../../src/protocol/reports.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const AGENTS = `
[agents.Provider]
command = ["sleep", "30"]

[agents.Consumer]
command = ["sleep", "30"]
depends_on = ["Provider"]

[agents.Idle]
command = ["sleep", "30"]
autostart = false
`;

// A serve, real agents and clients on a 2-core machine: room beyond bun's 5 s default.
setDefaultTimeout(20_000);

/** One NDJSON line of `stats --watch --json`: the envelope without its id. */
interface WatchLine {
  status: "success";
  data: StatsWatchFrame;
  timestamp: string;
}

/** Lines of a child's stdout, each handed over as soon as it is complete. */
function lineReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(timeoutMs = 10_000): Promise<string | null> {
      const deadline = Date.now() + timeoutMs;
      while (!buffer.includes("\n")) {
        let timer: Timer | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no complete line within ${timeoutMs}ms (have: ${JSON.stringify(buffer)})`)), deadline - Date.now());
        });
        const chunk = await Promise.race([reader.read(), timedOut]).finally(() => clearTimeout(timer));
        if (chunk.done) return null;
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      const end = buffer.indexOf("\n");
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      return line;
    },
    rest: async () => {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) buffer += decoder.decode(chunk.value, { stream: true });
      return buffer;
    },
  };
}

function watchProcess(socket: string, extra: string[] = []) {
  return Bun.spawn([BINARY, "stats", "--watch", "--interval", "0.5", socket, ...extra], {
    env: cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Commands the server has finished (a stream counts once it has ended), as `report` sees them. */
async function processed(served: Served): Promise<number> {
  return (await served.data("report")).performance.messages_processed;
}

describe("stats --watch against a served example", () => {
  let served: Served;

  beforeAll(async () => {
    served = await serve(AGENTS);
    await waitFor(async () => {
      const { agents } = await served.data("ps");
      return agents.filter((agent) => agent.status === "running").length === 2;
    }, "Provider and Consumer to run");
  });
  afterAll(async () => {
    await served?.[Symbol.asyncDispose]();
  });

  test("piped: one compact envelope per line per interval; the stream ends on the server when the client goes", async () => {
    const before = await processed(served);
    const watcher = watchProcess(served.socket);
    const lines = lineReader(watcher.stdout);
    const frames: WatchLine[] = [];
    const arrivals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const line = await lines.next();
      if (line === null) throw new Error(`stdout ended early: ${await new Response(watcher.stderr).text()}`);
      arrivals.push(performance.now());
      frames.push(JSON.parse(line));
    }

    for (const frame of frames) {
      expect(Object.keys(frame)).toEqual(["status", "data", "timestamp"]);
      expect(frame.status).toBe("success");
      expect(Object.keys(frame.data)).toEqual(["orchestrator", "system", "dependencies", "agents"]);
      expect(frame.data.orchestrator).toMatchObject({ total_agents: 3, running_agents: 2, waiting_agents: 0, failed_agents: 0 });
      expect(frame.data.dependencies).toEqual({ total_dependencies: 1, satisfied: 1, unsatisfied: 0 });
      expect(frame.data.system.memory_bytes).toBeGreaterThan(0);
      expect(frame.data.agents.map((agent) => [agent.name, agent.status, typeof agent.pid])).toEqual([
        ["Provider", "running", "number"],
        ["Consumer", "running", "number"],
        ["Idle", "stopped", "object"],
      ]);
      for (const agent of frame.data.agents.slice(0, 2)) {
        expect(agent).toMatchObject({ restarts: 0, cpu_percent: expect.any(Number), uptime: expect.stringMatching(/^\d\d:\d\d:\d\d$/) });
        expect(agent.memory_bytes).toBeGreaterThan(0);
      }
      expect(frame.data.agents[2]).toMatchObject({
        pid: null,
        cpu_usage: "-",
        cpu_percent: null,
        memory_usage: "-",
        memory_bytes: null,
        uptime: "-",
        uptime_seconds: null,
      });
    }
    // In order, and paced by the interval (two intervals of 0.5 s between the first and the third).
    const timestamps = frames.map((frame) => Date.parse(frame.timestamp));
    expect([...timestamps].sort((a, b) => a - b)).toEqual(timestamps);
    expect((frames[2] as WatchLine).data.orchestrator.uptime_seconds).toBeGreaterThanOrEqual((frames[0] as WatchLine).data.orchestrator.uptime_seconds);
    const spread = (arrivals[2] as number) - (arrivals[0] as number);
    expect(spread).toBeGreaterThan(600);
    expect(spread).toBeLessThan(5_000);

    // While it streams, the watch is not a finished command: two reports see only each other.
    const during = await processed(served);
    expect(await processed(served)).toBe(during + 1);
    expect(during).toBe(before + 1);
    const settled = during + 2;

    // Ctrl+C on a pipe: exit 0, nothing on stderr.
    watcher.kill("SIGINT");
    expect(await watcher.exited).toBe(0);
    expect(await new Response(watcher.stderr).text()).toBe("");

    // The server notices the connection closed and ends the stream (its timer with it): the
    // watch becomes one finished command. Each earlier poll is itself one more.
    let polls = 0;
    await waitFor(async () => {
      const seen = await processed(served);
      const earlierPolls = polls++;
      return seen - earlierPolls - settled === 1;
    }, "the watch stream to end on the server");
    // And serve keeps answering.
    expect((await served.data("ps")).agents).toHaveLength(3);
  });

  test("a reader that goes away (EPIPE) ends the watch cleanly", async () => {
    const ran = Bun.spawn(["bash", "-c", `set -o pipefail; "${BINARY}" stats --watch --interval 0.5 "${served.socket}" | head -n 1`], {
      env: cleanEnv(),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(ran.stdout).text(), new Response(ran.stderr).text(), ran.exited]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.split("\n")).toHaveLength(2);
    expect(JSON.parse(stdout).data.agents).toHaveLength(3);
  });

  test("--format table into a pipe: each frame's table after a blank line, no terminal control", async () => {
    const ran = Bun.spawn(["bash", "-c", `set -o pipefail; "${BINARY}" stats --watch --interval 0.5 --format table "${served.socket}" | head -n 20`], {
      env: cleanEnv(),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(ran.stdout).text(), new Response(ran.stderr).text(), ran.exited]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).not.toContain("\u001b");
    const frames = stdout.split("\n\npyorchestrate stats");
    expect(frames.length).toBe(2);
    expect(stdout).toStartWith("pyorchestrate stats  ·  every 0.5s  ·  ");
    expect(stdout).toMatch(/\nNAME +STATUS +PID +CPU % +MEM MB +RESTARTS +UPTIME\nProvider +running /);
  });

  test.concurrent.each([
    ["0", ["--watch", "--interval", "0"], "--interval must be a number of seconds from 0.5 to 3600 (got '0')"],
    ["too long", ["--watch", "--interval", "3601"], "--interval must be a number of seconds from 0.5 to 3600 (got '3601')"],
    ["not a number", ["--watch", "--interval", "fast"], "--interval must be a number of seconds from 0.5 to 3600 (got 'fast')"],
    ["without --watch", ["--interval", "1"], "--interval applies only with --watch"],
  ])("--interval %s: usage error, exit 2", async (_name, flags, message) => {
    const ran = await cli(["stats", served.socket, ...flags]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe("");
    expect(ran.stderr).toStartWith(`✗ ${message}\nUsage: pyorchestrate stats `);
  });

  test("the server checks the arguments too: INVALID_ARGUMENT", async () => {
    const codeOf = async (args: Record<string, unknown>) => {
      const envelope = await served.call("stats", args as never);
      return envelope.status === "error" ? [envelope.error.code, envelope.error.details?.argument] : "success";
    };
    expect(await codeOf({ watch: true, interval: 0 })).toEqual(["INVALID_ARGUMENT", "interval"]);
    expect(await codeOf({ watch: true, interval: "2" })).toEqual(["INVALID_ARGUMENT", "interval"]);
    expect(await codeOf({ interval: 2 })).toEqual(["INVALID_ARGUMENT", "interval"]);
    expect(await codeOf({ watch: "yes" })).toEqual(["INVALID_ARGUMENT", "watch"]);
    expect(await codeOf({ every: 2 })).toEqual(["INVALID_ARGUMENT", "every"]);
    // Plain stats is as before: one answer, no agents array.
    const plain = await served.data("stats");
    expect(Object.keys(plain)).toEqual(["orchestrator", "system", "dependencies"]);
  });

  test.skipIf(!Bun.which("script"))("on a terminal: a table redrawn in place; Ctrl+C gives the cursor back and exits 0", async () => {
    // script(1) runs the client on a pseudo-terminal; ^C written to it becomes SIGINT, as at a keyboard.
    // `exec`: a shell left in between (dash, when SHELL is unset) would die of the ^C itself (130).
    const command = `exec "${BINARY}" stats --watch --interval 0.5 "${served.socket}"`;
    const term = Bun.spawn(["script", "-qec", command, "/dev/null"], { env: cleanEnv(), stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    let screen = "";
    const decoder = new TextDecoder();
    const reading = (async () => {
      for await (const chunk of term.stdout) screen += decoder.decode(chunk, { stream: true });
    })();
    const HOME = "\u001b[H";
    const frameCount = () => screen.split(HOME).filter((part) => part.includes("NAME")).length;
    await waitFor(() => frameCount() >= 3, "three frames on the terminal");
    term.stdin.write("\u0003");
    term.stdin.flush();
    const code = await term.exited;
    await reading;
    term.stdin.end();

    expect(code).toBe(0);
    expect(screen.startsWith("\u001b[?25l\u001b[2J\u001b[H")).toBe(true); // cursor hidden, screen cleared
    const frames = screen.split(HOME).filter((part) => part.includes("NAME"));
    expect(frames.length).toBe(frameCount());
    const table = frames[0] as string;
    expect(table).toContain("pyorchestrate stats  ·  every 0.5s");
    expect(table).toContain("Uptime: ");
    expect(table).toMatch(/NAME +STATUS +PID +CPU % +MEM MB +RESTARTS +UPTIME/);
    expect(table).toMatch(/Provider +running +\d+ +\d+\.\d +\d+\.\d +0 +\d\d:\d\d:\d\d/);
    expect(table).toMatch(/Idle +stopped +- +- +- +0 +-/);
    expect(table).toContain("Total (serve + agents): CPU ");
    expect(table).toContain("\u001b[K"); // each line's old tail erased
    expect(table).toContain("\u001b[J"); // and whatever was below
    // The cursor comes back after the last frame.
    expect(screen.lastIndexOf("\u001b[?25h")).toBeGreaterThan(screen.lastIndexOf("NAME"));
    expect(screen).not.toContain("✗");
  });
});

test("the orchestrator going away mid-watch: the error, exit 3", async () => {
  using _slot = await serveSlot();
  await using served = await serve(`[agents.Solo]\ncommand = ["sleep", "30"]\n`);
  const watcher = watchProcess(served.socket);
  const lines = lineReader(watcher.stdout);
  expect(JSON.parse((await lines.next()) ?? "null")).toMatchObject({ status: "success" });
  expect(await served.stop()).toBe(0);
  expect(await watcher.exited).toBe(3);
  const rest = (await lines.rest()).trim().split("\n");
  const last = JSON.parse(rest.at(-1) as string);
  expect(last).toMatchObject({ status: "error", error: { code: "SOCKET_CONNECTION_ERROR" } });
  expect(last.error.message).toContain("closed the stream before its end");
});

test("an orchestrator that hangs mid-watch: no frame within interval + --timeout → the error, exit 3", async () => {
  using _slot = await serveSlot();
  await using served = await serve(`[agents.Solo]\ncommand = ["sleep", "30"]\n`);
  const watcher = watchProcess(served.socket, ["--timeout", "1"]);
  const lines = lineReader(watcher.stdout);
  expect(JSON.parse((await lines.next()) ?? "null")).toMatchObject({ status: "success" });
  served.proc.kill("SIGSTOP");
  try {
    expect(await watcher.exited).toBe(3);
  } finally {
    served.proc.kill("SIGCONT");
  }
  const last = JSON.parse((await lines.rest()).trim().split("\n").at(-1) as string);
  expect(last).toMatchObject({ status: "error", error: { code: "SOCKET_CONNECTION_ERROR" } });
  expect(last.error.message).toContain("sent no stats for 1.5s");
});
