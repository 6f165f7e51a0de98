// The orchestrator face of the compiled binary: `pyorchestrate serve CONFIG` as systemd or an
// operator runs it: start-up refusals, the socket file's life and mode, signals, log format.

import { describe, expect, test } from "bun:test";
import { existsSync, linkSync, lstatSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "../../src/client/connection.ts";
import { cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served, tempDir } from "../helpers/serve.ts";
import { processesWithEnv } from "../helpers/processes.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const EXAMPLE = `
[agents.Provider]
command = ["sleep", "30"]

[agents.Consumer]
command = ["sleep", "30"]
depends_on = ["Provider"]
`;

// ---- helpers ----------------------------------------------------------------------------------

function answers(socket: string): Promise<boolean> {
  return request("status", {}, { socketPath: socket, timeoutMs: 1_000 }).then(
    (envelope) => envelope.status === "success",
    () => false,
  );
}

async function agentsRunning(served: Served): Promise<number[]> {
  return waitFor(async () => {
    const { agents } = await served.data("ps");
    return agents.every((a) => a.status === "running") && agents.map((a) => a.pid as number);
  }, "every agent to run");
}

const ISO_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// ---- start-up refusals ------------------------------------------------------------------------

describe("a config serve cannot use", () => {
  test.concurrent("a bad config: exit 1 before anything starts, every error on stderr", async () => {
    const dir = tempDir();
    try {
      const socket = join(dir, "s.sock");
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const config = join(dir, "pyorchestrate.toml");
      writeFileSync(
        config,
        `[orchestrator]
command_socket_path = "${socket}"

[agents.Good]
command = ["sleep", "30"]
env = { PYO_TEST_MARKER = "${marker}" }

[agents.A]
command = ["sleep", "30"]
depends_on = ["B"]
execution_intreval = 5

[agents.B]
command = ["sleep", "30"]
depends_on = ["A"]

[agents.C]
command = ["true"]
execution_interval = -5
`,
      );
      const ran = await cli(["serve", config], { cwd: dir });
      expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 1, stdout: "" });
      expect(ran.stderr).toContain("agents.A.execution_intreval: unknown key (did you mean 'execution_interval'?)");
      expect(ran.stderr).toContain("agents.C.execution_interval: must be a positive number (got -5)");
      expect(ran.stderr).toContain("A → B → A");
      // Nothing was started: no socket, no state folder, no agent.
      expect(existsSync(socket)).toBe(false);
      expect(existsSync(join(dir, ".pyorchestrate"))).toBe(false);
      expect(processesWithEnv("PYO_TEST_MARKER", marker)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.concurrent("a missing config file: exit 1 with a clear message naming it", async () => {
    const dir = tempDir();
    try {
      const config = join(dir, "nowhere.toml");
      const ran = await cli(["serve", config], { cwd: dir });
      expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 1, stdout: "" });
      expect(ran.stderr).toContain(config);
      expect(ran.stderr).toMatch(/no such file/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.concurrent("no config argument and no ./pyorchestrate.toml: exit 1 naming the default file", async () => {
    const dir = tempDir();
    try {
      const ran = await cli(["serve"], { cwd: dir });
      expect(ran.code).toBe(1);
      expect(ran.stderr).toContain(join(dir, "pyorchestrate.toml"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- the socket file --------------------------------------------------------------------------

describe("the socket file", () => {
  test.concurrent("is created with mode 0600 by default", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE);
    const stat = statSync(served.socket);
    expect(stat.isSocket()).toBe(true);
    expect((stat.mode & 0o777).toString(8)).toBe("600");
  });

  test.concurrent("takes command_socket_permissions = 0o660", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE, { orchestrator: "command_socket_permissions = 0o660" });
    const stat = statSync(served.socket);
    expect(stat.isSocket()).toBe(true);
    expect((stat.mode & 0o777).toString(8)).toBe("660");
  });

  test.concurrent("a stale socket file (nothing listening) is replaced", async () => {
    using _slot = await serveSlot();
    const dir = tempDir();
    try {
      const socket = join(dir, "s.sock");
      // Bun removes its socket file on stop, so keep a second name for the same socket inode:
      // once the listener stops, that name is a socket file nobody listens on.
      const listening = join(dir, "live.sock");
      const listener = Bun.listen({ unix: listening, socket: { data() {} } });
      linkSync(listening, socket);
      listener.stop(true);
      expect(lstatSync(socket).isSocket()).toBe(true);
      const refused = await Bun.connect({ unix: socket, socket: { data() {} } }).then(
        () => "connected",
        (error: NodeJS.ErrnoException) => error.code,
      );
      expect(refused).toBe("ECONNREFUSED");

      const config = join(dir, "pyorchestrate.toml");
      writeFileSync(config, `[orchestrator]\ncommand_socket_path = "${socket}"\n`);
      const proc = Bun.spawn([BINARY, "serve", config], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1" },
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      });
      const stderr = new Response(proc.stderr).text();
      try {
        await waitFor(async () => {
          if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${await stderr}`);
          return answers(socket);
        }, "serve to answer on the replaced socket");
        expect((statSync(socket).mode & 0o777).toString(8)).toBe("600");
      } finally {
        proc.kill("SIGTERM");
      }
      expect(await proc.exited).toBe(0);
      expect(existsSync(socket)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.concurrent("a second serve while the first answers exits 1 saying so; the first keeps answering", async () => {
    using _slot = await serveSlot();
    using _second = await serveSlot();
    await using first = await serve(EXAMPLE);
    const pids = await agentsRunning(first);

    const ran = await cli(["serve", first.configPath], { cwd: first.dir });
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 1, stdout: "" });
    expect(ran.stderr).toContain("another orchestrator is already answering");
    expect(ran.stderr).toContain(first.socket);

    // The first is untouched: same socket file, same agents, nothing extra started.
    expect(lstatSync(first.socket).isSocket()).toBe(true);
    expect(await answers(first.socket)).toBe(true);
    expect((await first.data("ps")).agents.map((a) => a.pid)).toEqual(pids);
    expect(first.leftovers().sort()).toEqual([...pids].sort());
  });
});

// ---- signals and logs ---------------------------------------------------------------------------

describe("signals", () => {
  test.concurrent.each([["SIGTERM"], ["SIGINT"]] as const)("%s: graceful shutdown, exit 0, socket removed, no process left", async (signal) => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE);
    const pids = await agentsRunning(served);
    expect(served.leftovers().sort()).toEqual([...pids].sort());

    expect(await served.stop(signal)).toBe(0);
    expect(existsSync(served.socket)).toBe(false);
    expect(served.leftovers()).toEqual([]);
    expect(served.stderr()).toContain(signal);
  });
});

describe("--log-format json", () => {
  test.concurrent("every stderr line is one JSON object with time, level and message", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE, { args: ["--log-format", "json"] });
    await agentsRunning(served);
    await served.data("stop", { agent: "Consumer" });
    expect(await served.stop()).toBe(0);

    const logLines = served.stderr().replace(/\n$/, "").split("\n");
    expect(logLines.length).toBeGreaterThanOrEqual(5);
    const entries = logLines.map((line) => JSON.parse(line));
    for (const entry of entries) {
      expect(entry).toEqual(
        expect.objectContaining({
          time: expect.stringMatching(ISO_MILLIS),
          level: expect.stringMatching(/^(info|warn|error|success|debug)$/),
          message: expect.any(String),
        }),
      );
    }
    expect(entries.some((entry) => entry.message.includes(served.socket))).toBe(true);
    expect(entries.some((entry) => entry.message.includes("Consumer"))).toBe(true);
  });

  test.concurrent("the default (human) lines start with an ISO time and the level", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE);
    await agentsRunning(served);
    expect(await served.stop()).toBe(0);
    for (const line of served.stderr().replace(/\n$/, "").split("\n")) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|error|success) +\S/);
    }
  });
});

describe("enable_command_interface = false", () => {
  test.concurrent("no socket file is created, and the agents still run", async () => {
    using _slot = await serveSlot();
    await using served = await serve(EXAMPLE, { orchestrator: "enable_command_interface = false", waitReady: false });
    await waitFor(() => {
      if (served.proc.exitCode !== null) throw new Error(`serve exited ${served.proc.exitCode}: ${served.stderr()}`);
      // The processes can exist a moment before serve's log line about them is read here.
      return served.leftovers().length === 2 && served.stderr().includes("Provider started");
    }, "both agents to run, and serve to say so");
    expect(served.stderr()).toContain("Provider started");
    expect(existsSync(served.socket)).toBe(false);
    expect(served.proc.exitCode).toBeNull();

    const ran = await cli(["ps", served.socket]);
    expect(ran.code).toBe(3);

    expect(await served.stop()).toBe(0);
    expect(served.leftovers()).toEqual([]);
  });
});

describe("after serve is killed with SIGKILL", () => {
  // SPEC §3: no process the orchestrator started may outlive it; after a SIGKILL, "at the latest
  // the next serve on the same state_dir finds and ends them".
  test.concurrent("the next serve on the same config replaces the stale socket and ends the agents the killed one left", async () => {
    using _slot = await serveSlot();
    using _second = await serveSlot();
    await using first = await serve(EXAMPLE);
    const orphans = await agentsRunning(first);
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    const next = Bun.spawn([BINARY, "serve", first.configPath], {
      cwd: first.dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    const nextStderr = new Response(next.stderr).text();
    try {
      await waitFor(async () => {
        if (next.exitCode !== null) throw new Error(`serve exited ${next.exitCode}: ${await nextStderr}`);
        return answers(first.socket);
      }, "the next serve to answer");
      // The next serve runs agents of its own, not the orphans.
      await waitFor(async () => {
        const { agents } = await first.data("ps");
        return agents.every((a) => a.status === "running" && !orphans.includes(a.pid as number));
      }, "the next serve's own agents to run");
      const live = () => first.leftovers().filter((pid) => orphans.includes(pid));
      await waitFor(() => live().length === 0, "the killed serve's agents to be ended", 5_000).catch(() => {
        throw new Error(`agents of the SIGKILLed serve still running: ${live().join(", ")} (pids ${orphans.join(", ")})`);
      });
    } finally {
      next.kill("SIGTERM");
      await next.exited;
    }
    expect(first.leftovers()).toEqual([]);
  }, 20_000);
});
