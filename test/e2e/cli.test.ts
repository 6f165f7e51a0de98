// The client face of the compiled binary, driven as a shell user or a script does: a subprocess
// with NO_COLOR=1 and stdout piped (so JSON is the default), stdout parsed, exit codes asserted.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { PsAgent, PsData, RestartData, StartData } from "../../src/protocol/commands.ts";
import { cli } from "../helpers/cli.ts";
import { FIXTURES, serve, type Served } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const VERSION: string = (await Bun.file(resolve(import.meta.dir, "../../package.json")).json()).version;

const ISO_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const CLOCK = /^(\d+d )?\d\d:\d\d:\d\d$/;
const MEMORY = /^\d+(\.\d+)? (B|KB|MB|GB)$/;
const PERCENT = /^\d+(\.\d+)?%$/;

/** Two looping agents, the consumer depending on the provider. */
const EXAMPLE = `
[agents.Provider]
command = ["sleep", "30"]

[agents.Consumer]
command = ["sleep", "30"]
depends_on = ["Provider"]
`;

// ---- running the binary -------------------------------------------------------------------------

/** Runs a command expected to succeed with JSON on stdout; returns the parsed envelope (its data typed as the caller says). */
async function json<D = unknown>(args: string[], env: Record<string, string> = {}): Promise<{ status: "success"; data: D; timestamp: string }> {
  const ran = await cli(args, { env });
  if (ran.code !== 0) throw new Error(`pyorchestrate ${args.join(" ")} exited ${ran.code}\nstdout: ${ran.stdout}\nstderr: ${ran.stderr}`);
  return JSON.parse(ran.stdout);
}

const lines = (text: string) => text.replace(/\n$/, "").split("\n");

// ---- at most a few serves at once (2-core machine) ----------------------------------------------

async function bothRunning(served: Served): Promise<{ Provider: number; Consumer: number }> {
  return waitFor(async () => {
    const { agents } = await served.data("ps");
    const pid = (name: string) => agents.find((a) => a.name === name && a.status === "running")?.pid ?? null;
    const provider = pid("Provider");
    const consumer = pid("Consumer");
    return provider !== null && consumer !== null && { Provider: provider, Consumer: consumer };
  }, "Provider and Consumer to run");
}

// ---- offline ------------------------------------------------------------------------------------

describe("version and usage", () => {
  test.concurrent.each([["--version"], ["-v"]])("%s prints the package.json version and exits 0", async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  test.concurrent.each([
    ["unknown command", ["bogus"], "bogus"],
    ["unknown flag", ["ps", "--bogus"], "--bogus"],
    ["start without an agent", ["start"], "AGENT"],
    ["--format xml", ["ps", "--format", "xml"], "xml"],
    ["--timeout abc", ["ps", "--timeout", "abc"], "abc"],
    ["serve --log-format xml", ["serve", "--log-format", "xml"], "xml"],
  ])("%s: exit 2, the mistake and a usage line on stderr, nothing on stdout", async (_what, args, named) => {
    const ran = await cli(args);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 2, stdout: "" });
    const errLines = lines(ran.stderr);
    expect(errLines[0]).toStartWith("✗ ");
    expect(errLines[0]).toContain(named);
    expect(errLines.some((line) => line.startsWith("Usage: pyorchestrate"))).toBe(true);
  });

  test.concurrent.each([
    ["stattus", "status"],
    ["list", "ps"],
    ["tail", "logs"],
  ])("an unknown command '%s' is answered with the nearest one, '%s'", async (typed, meant) => {
    const ran = await cli([typed]);
    expect(ran.code).toBe(2);
    expect(lines(ran.stderr)[0]).toBe(`✗ unknown command '${typed}' (did you mean '${meant}'?)`);
  });

  test.concurrent("a usage error never reaches for a socket: --format xml with no orchestrator is still exit 2", async () => {
    const ran = await cli(["ps", "/tmp/pyo-e2e-nothing-here.sock", "--format", "xml"]);
    expect(ran.code).toBe(2);
  });

  test.concurrent("--help exits 0 with the usage on stdout and the commands listed", async () => {
    const ran = await cli(["--help"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(ran.stdout).toContain("Usage: pyorchestrate <command>");
    for (const command of ["serve", "validate", "ps", "start", "stop", "restart", "status", "stats", "report", "shutdown"]) {
      expect(ran.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    }
  });

  test.concurrent("<command> --help exits 0 with that command's usage on stdout", async () => {
    const ran = await cli(["ps", "--help"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(ran.stdout).toMatch(/^Usage: pyorchestrate ps /m);
  });
});

describe("no orchestrator on the socket", () => {
  const missing = "/tmp/pyo-e2e-nobody-listens.sock";

  test.concurrent("JSON: exit 3, the SOCKET_CONNECTION_ERROR envelope on stdout", async () => {
    const ran = await cli(["ps", missing]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 3, stderr: "" });
    expect(JSON.parse(ran.stdout)).toEqual({
      status: "error",
      error: {
        code: "SOCKET_CONNECTION_ERROR",
        message: expect.stringContaining(missing),
        details: expect.objectContaining({ socket_path: missing }),
      },
      timestamp: expect.stringMatching(ISO_SECOND),
    });
  });

  test.concurrent("table: exit 3, a ✗ line naming the socket on stderr, stdout empty", async () => {
    const ran = await cli(["stats", missing, "--format", "table"]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 3, stdout: "" });
    expect(ran.stderr).toStartWith("✗ ");
    expect(lines(ran.stderr)[0]).toContain(missing);
  });

  test.concurrent("PYORCHESTRATE_SOCKET is used when no socket is given", async () => {
    const ran = await cli(["ps"], { env: { PYORCHESTRATE_SOCKET: missing } });
    expect(ran.code).toBe(3);
    expect(JSON.parse(ran.stdout).error.details.socket_path).toBe(missing);
  });
});

describe("validate", () => {
  test.concurrent("a good config: exit 0, the start order on stdout", async () => {
    const ran = await cli(["validate", join(FIXTURES, "e2e-valid.toml")]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(ran.stdout).toContain("Provider → Consumer");
  });

  test.concurrent("a bad config: exit 1, every error on stderr with its key path", async () => {
    const ran = await cli(["validate", join(FIXTURES, "e2e-invalid.toml")]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 1, stdout: "" });
    const errors = lines(ran.stderr).filter((line) => line.startsWith("✗"));
    expect(errors).toHaveLength(3);
    const typo = errors.find((line) => line.includes("agents.A.execution_intreval"));
    expect(typo).toContain("did you mean 'execution_interval'");
    expect(errors.find((line) => line.includes("agents.C.execution_interval"))).toContain("-5");
    expect(errors.find((line) => line.includes("A → B → A"))).toBeDefined();
  });

  test.concurrent("a missing config file: exit 1 with the path named", async () => {
    const path = "/tmp/pyo-e2e-no-such-dir/pyorchestrate.toml";
    const ran = await cli(["validate", path]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 1, stdout: "" });
    expect(ran.stderr).toContain(path);
  });
});

// ---- against a served example (read-only commands share one serve) -----------------------------

describe("a served example", () => {
  let served: Served;
  let pids: { Provider: number; Consumer: number };

  beforeAll(async () => {
    served = await serve(EXAMPLE);
    pids = await bothRunning(served);
  });
  afterAll(async () => {
    await served?.[Symbol.asyncDispose]();
  });

  const expectedAgents = (): Pick<PsAgent, "name" | "status" | "pid" | "kind">[] => [
    { name: "Provider", status: "running", pid: pids.Provider, kind: "looping" },
    { name: "Consumer", status: "running", pid: pids.Consumer, kind: "looping" },
  ];
  const summary = (envelope: { data: PsData }) => envelope.data.agents.map(({ name, status, pid, kind }) => ({ name, status, pid, kind }));

  test.concurrent("ps SOCKET, ps --socket SOCKET and PYORCHESTRATE_SOCKET=SOCKET ps list the same agents", async () => {
    const positional = await json<PsData>(["ps", served.socket]);
    const flag = await json<PsData>(["ps", "--socket", served.socket]);
    const env = await json<PsData>(["ps"], { PYORCHESTRATE_SOCKET: served.socket });
    expect(summary(positional)).toEqual(expectedAgents());
    expect(summary(flag)).toEqual(expectedAgents());
    expect(summary(env)).toEqual(expectedAgents());
  });

  test.concurrent("--socket wins over a positional socket, and both win over PYORCHESTRATE_SOCKET", async () => {
    const elsewhere = "/tmp/pyo-e2e-not-this-one.sock";
    expect(summary(await json<PsData>(["ps", "--socket", served.socket, elsewhere]))).toEqual(expectedAgents());
    expect(summary(await json<PsData>(["ps", served.socket], { PYORCHESTRATE_SOCKET: elsewhere }))).toEqual(expectedAgents());
  });

  test.concurrent("piped, the default output is the JSON envelope: status, data, timestamp and no id", async () => {
    const ran = await cli(["ps", served.socket]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const envelope = JSON.parse(ran.stdout);
    expect(Object.keys(envelope).sort()).toEqual(["data", "status", "timestamp"]);
    expect(envelope.status).toBe("success");
    expect(envelope.timestamp).toMatch(ISO_SECOND);
    // 2-space indented, as the spec says.
    expect(ran.stdout).toBe(`${JSON.stringify(envelope, null, 2)}\n`);
    for (const agent of envelope.data.agents) {
      expect(agent).toEqual({
        name: expect.any(String),
        status: "running",
        pid: expect.any(Number),
        uptime: expect.stringMatching(CLOCK),
        uptime_seconds: expect.any(Number),
        kind: "looping",
        waiting_reason: null,
        queue_position: null,
        restarts: 0,
        next_run: null,
        status_text: null,
        groups: [],
      });
    }
  });

  test.concurrent("--json is the same as --format json", async () => {
    const viaJson = await cli(["status", served.socket, "--json"]);
    const viaFormat = await cli(["status", served.socket, "--format", "json"]);
    expect(viaJson.code).toBe(0);
    expect(viaFormat.code).toBe(0);
    // Uptime and timestamp move between the two calls; everything else must match, layout included.
    const steady = (text: string) =>
      text
        .replace(/"uptime": "[^"]*"/, '"uptime": ""')
        .replace(/"uptime_seconds": \d+/, '"uptime_seconds": 0')
        .replace(/"timestamp": "[^"]*"/, '"timestamp": ""');
    expect(steady(viaJson.stdout)).toBe(steady(viaFormat.stdout));
    expect(JSON.parse(viaJson.stdout).status).toBe("success");
  });

  test.concurrent("ps --format table: the NAME STATUS PID UPTIME table, columns aligned", async () => {
    const ran = await cli(["ps", served.socket, "--format", "table"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const [header = "", ...rows] = lines(ran.stdout);
    expect(header.split(/\s+/)).toEqual(["NAME", "STATUS", "PID", "UPTIME"]);
    expect(rows).toHaveLength(2);
    const columns = ["NAME", "STATUS", "PID", "UPTIME"].map((title) => header.indexOf(title));
    for (const [row, name] of [
      [rows[0] ?? "", "Provider"],
      [rows[1] ?? "", "Consumer"],
    ] as const) {
      const pid = pids[name];
      expect(row).toMatch(new RegExp(`^${name}\\s+running\\s+${pid}\\s+\\d\\d:\\d\\d:\\d\\d$`));
      const cells = row.split(/\s+/);
      expect(cells.map((cell) => row.indexOf(cell))).toEqual(columns);
    }
  });

  test.concurrent("status AGENT --format table starts with the reference's lines", async () => {
    const ran = await cli(["status", "Provider", served.socket, "--format", "table"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lines(ran.stdout);
    const expected = [
      /^Agent: Provider$/,
      /^Status: running$/,
      new RegExp(`^PID: ${pids.Provider}$`),
      /^Uptime: \d\d:\d\d:\d\d$/,
      /^Memory: \d+(\.\d+)? (B|KB|MB|GB)$/,
      /^CPU: \d+(\.\d+)?%$/,
      /^Last Activity: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      /^$/,
      /^Configuration:$/,
    ];
    expected.forEach((pattern, i) => {
      expect(out[i]).toMatch(pattern);
    });
    // Then the settings, indented `key: value`.
    expect(out[9]).toMatch(/^ {2}\w+: \S/);
    // The command as a config writes it: a TOML array, no quoting left to guess.
    expect(out).toContain(`  command: ["sleep", "30"]`);
  });

  test.concurrent("status AGENT as JSON: the reference's keys plus their numeric twins", async () => {
    const envelope = await json(["status", "Provider", served.socket]);
    expect(envelope.data).toEqual({
      name: "Provider",
      kind: "looping",
      status: "running",
      waiting_reason: null,
      queue_position: null,
      pid: pids.Provider,
      uptime: expect.stringMatching(CLOCK),
      uptime_seconds: expect.any(Number),
      memory_usage: expect.stringMatching(MEMORY),
      memory_bytes: expect.any(Number),
      cpu_usage: expect.stringMatching(PERCENT),
      cpu_percent: expect.any(Number),
      last_activity: expect.stringMatching(ISO_SECOND),
      configuration: expect.objectContaining({ kind: "looping" }),
      depends_on: [],
      restarts: 0,
      last_exit_code: null,
      last_error: null,
      status_text: null,
      groups: [],
      next_run: null,
      health: { ready: null, alive: null },
    });
  });

  test.concurrent("status without an agent: the orchestrator's figures", async () => {
    const envelope = await json(["status", served.socket]);
    expect(envelope.data).toEqual({
      name: basename(served.dir),
      version: VERSION,
      pid: served.proc.pid,
      uptime: expect.stringMatching(CLOCK),
      uptime_seconds: expect.any(Number),
      total_agents: 2,
      running_agents: 2,
      waiting_agents: 0,
      failed_agents: 0,
      max_workers: 0,
      command_interface_enabled: true,
      command_socket_path: served.socket,
    });
  });

  test.concurrent("stats: the reference's JSON and its terminal block", async () => {
    const envelope = await json(["stats", served.socket]);
    expect(envelope.data).toEqual({
      orchestrator: {
        uptime: expect.stringMatching(CLOCK),
        uptime_seconds: expect.any(Number),
        total_agents: 2,
        running_agents: 2,
        waiting_agents: 0,
        failed_agents: 0,
      },
      system: {
        memory_usage: expect.stringMatching(MEMORY),
        memory_bytes: expect.any(Number),
        cpu_usage: expect.stringMatching(PERCENT),
        cpu_percent: expect.any(Number),
        open_files: expect.any(Number),
      },
      dependencies: { total_dependencies: 1, satisfied: 1, unsatisfied: 0 },
    });

    const ran = await cli(["stats", served.socket, "--format", "table"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lines(ran.stdout);
    expect(out.slice(0, 2)).toEqual(["Orchestrator Statistics", "======================="]);
    expect(out[2]).toMatch(/^Uptime: \d\d:\d\d:\d\d$/);
    expect(out.slice(3, 5)).toEqual(["Total Agents: 2", "Running: 2  |  Waiting: 0  |  Failed: 0"]);
    expect(out).toContain("  Total: 1  |  Satisfied: 1  |  Unsatisfied: 0");
  });

  test.concurrent("report --format table starts with the reference's heading", async () => {
    const ran = await cli(["report", served.socket, "--format", "table"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lines(ran.stdout);
    expect(out.slice(0, 2)).toEqual(["PyOrchestrate System Report", "==========================="]);
    expect(out[2]).toMatch(/^Generated: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(out).toContain("Orchestrator Configuration:");
    expect(out).toContain(`  Socket: ${served.socket}`);
    expect(out.find((line) => line.startsWith(`  Provider (PID: ${pids.Provider})`))).toMatch(/- running +- Memory: /);
    expect(out).toContain("  ✓ Provider → Consumer");
    expect(out).toContain("  ✓ All dependencies satisfied");
  });

  describe("an unknown agent", () => {
    test.concurrent.each([["status"], ["start"], ["stop"], ["restart"]])(
      "%s: exit 1, the AGENT_NOT_FOUND envelope on stdout with the available agents",
      async (command) => {
        const ran = await cli([command, "Nope", served.socket]);
        expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 1, stderr: "" });
        expect(JSON.parse(ran.stdout)).toEqual({
          status: "error",
          error: {
            code: "AGENT_NOT_FOUND",
            message: expect.stringContaining("'Nope'"),
            details: { available_agents: ["Provider", "Consumer"] },
          },
          timestamp: expect.stringMatching(ISO_SECOND),
        });
      },
    );

    test.concurrent("table mode: exit 1, one ✗ line on stderr naming the available agents, stdout empty", async () => {
      const ran = await cli(["status", "Nope", served.socket, "--format", "table"]);
      expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 1, stdout: "" });
      const errLines = lines(ran.stderr);
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toStartWith("✗ ");
      expect(errLines[0]).toContain("Nope");
      expect(errLines[0]).toContain("Provider");
      expect(errLines[0]).toContain("Consumer");
    });
  });
});

// ---- commands that change things: a serve each ---------------------------------------------------

describe("start, stop, restart", () => {
  test.concurrent("table lines exactly as the reference, JSON data with agent, action and pid", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE);
    const initial = await bothRunning(served);
    const sock = served.socket;

    // stop (table)
    expect(await cli(["stop", "Consumer", sock, "--format", "table"])).toEqual({
      code: 0,
      stdout: "✓ Agent 'Consumer' stopped gracefully\n",
      stderr: "",
    });
    expect((await served.data("ps")).agents.find((a) => a.name === "Consumer")).toMatchObject({ status: "stopped", pid: null });

    // stop again: the orchestrator answers an error
    const again = await cli(["stop", "Consumer", sock]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe("AGENT_NOT_RUNNING");

    // start (table)
    const started = await cli(["start", "Consumer", sock, "--format", "table"]);
    expect({ code: started.code, stderr: started.stderr }).toEqual({ code: 0, stderr: "" });
    const pid = Number(/^✓ Agent 'Consumer' started successfully \(PID: (\d+)\)\n$/.exec(started.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(initial.Consumer);
    expect((await served.data("ps")).agents.find((a) => a.name === "Consumer")).toMatchObject({ status: "running", pid });

    // start of a running agent
    const twice = await cli(["start", "Consumer", sock]);
    expect(twice.code).toBe(1);
    expect(JSON.parse(twice.stdout).error.code).toBe("AGENT_ALREADY_RUNNING");

    // stop (JSON)
    expect((await json(["stop", "Consumer", sock])).data).toEqual({ agent: "Consumer", action: "stopped", graceful_shutdown: true });

    // start (JSON)
    const startData = (await json<StartData>(["start", "Consumer", "--socket", sock])).data;
    expect(startData).toEqual({
      agent: "Consumer",
      action: "started",
      pid: expect.any(Number),
      status: "running",
      waiting_reason: null,
      queue_position: null,
      also_started: [],
    });

    // restart (JSON): a new process
    const restartData = (await json<RestartData>(["restart", "Consumer", sock])).data;
    expect(restartData).toEqual({ agent: "Consumer", action: "restarted", pid: expect.any(Number), status: "running" });
    expect(restartData.pid).not.toBe(startData.pid);

    // restart (table)
    const restarted = await cli(["restart", "Consumer", sock, "--format", "table"]);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toMatch(/^✓ Agent 'Consumer' restarted successfully \(PID: \d+\)\n$/);
  }, 20_000);

  test.concurrent("start AGENT first starts its stopped dependency and says so", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE);
    await bothRunning(served);
    const sock = served.socket;
    expect((await cli(["stop", "Consumer", sock])).code).toBe(0);
    expect((await cli(["stop", "Provider", sock])).code).toBe(0);

    const ran = await cli(["start", "Consumer", sock, "--format", "table"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const [first, second, ...rest] = lines(ran.stdout);
    expect(first).toBe("✓ Started dependency 'Provider' first");
    expect(second).toMatch(/^✓ Agent 'Consumer' started successfully \(PID: \d+\)$/);
    expect(rest).toEqual([]);
    expect((await served.data("ps")).agents.map((a) => a.status)).toEqual(["running", "running"]);
  }, 20_000);
});

describe("shutdown", () => {
  test.concurrent("--format table prints the reference's lines in order; serve exits 0 and leaves nothing", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE);
    await bothRunning(served);

    const ran = await cli(["shutdown", served.socket, "--format", "table"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lines(ran.stdout);
    expect(out.slice(0, -1)).toEqual([
      "Initiating graceful shutdown...",
      "Stopping 2 agents in dependency order...",
      "✓ Consumer stopped",
      "✓ Provider stopped",
      "✓ All agents stopped successfully",
      "✓ Orchestrator shutdown complete",
      "",
    ]);
    expect(out.at(-1)).toMatch(/^Estimated time: \d+ seconds$/);

    expect(await served.proc.exited).toBe(0);
    expect(served.leftovers()).toEqual([]);
    expect(existsSync(served.socket)).toBe(false);
  }, 20_000);

  test.concurrent("--json --wait prints the shutdown_initiated envelope and returns only once the socket no longer answers", async () => {
    using _slot = await serveSlot();
    // The consumer takes a second to stop, so the orchestrator is still there well after shutdown begins.
    await using served = await serve(`
[agents.Provider]
command = ["sleep", "30"]

[agents.Consumer]
command = "trap 'sleep 1; exit 0' TERM; while :; do sleep 0.2; done"
depends_on = ["Provider"]
`);
    await bothRunning(served);

    const ran = await cli(["shutdown", "--json", "--wait", served.socket]);
    const answersNow = await Bun.connect({
      unix: served.socket,
      socket: {
        data() {},
        open(s) {
          s.end();
        },
      },
    }).then(
      () => true,
      () => false,
    );
    expect(answersNow).toBe(false);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(ran.stdout)).toEqual({
      status: "success",
      data: {
        action: "shutdown_initiated",
        agents_to_stop: 2,
        estimated_time: expect.stringMatching(/^\d+ seconds$/),
        estimated_seconds: expect.any(Number),
      },
      timestamp: expect.stringMatching(ISO_SECOND),
    });

    expect(await served.proc.exited).toBe(0);
    expect(served.leftovers()).toEqual([]);
  }, 20_000);
});
