// serve as a container's entrypoint: PID 1 of a new PID namespace (unshare, as root), where every
// orphan in the namespace becomes serve's to reap and the kernel drops any signal serve has no
// handler for. And, anywhere, serve as a child subreaper: a daemon an agent starts is
// re-parented to serve, reaped by it, and ended with its agent.

import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { request } from "../../src/client/connection.ts";
import type { PsAgent } from "../../src/protocol/commands.ts";
import { isAlive, processesWithEnv } from "../helpers/processes.ts";
import { BINARY, serve, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const root = process.getuid?.() === 0;
const unshare = Bun.which("unshare");
const canUnshare = process.platform === "linux" && root && unshare !== null;

/** How long the forking agent runs while zombies are counted (PYO_PID1_SECONDS to change it). */
const FORK_SECONDS = Number(process.env.PYO_PID1_SECONDS ?? 30);

interface Proc {
  pid: number;
  state: string;
  ppid: number;
}

function stat(pid: number): Proc | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { pid, state: fields[0] ?? "?", ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

function allProcs(): Proc[] {
  const procs: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const found = stat(Number(entry));
    if (found) procs.push(found);
  }
  return procs;
}

function pidNamespace(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

function inNamespace(namespace: string): number[] {
  return allProcs()
    .filter((proc) => pidNamespace(proc.pid) === namespace)
    .map((proc) => proc.pid);
}

/** `serve` as PID 1 of a new PID namespace, seen from outside: its pid here, its namespace, its socket. */
async function serveAsPid1(agents: string) {
  const dir = tempDir();
  const socket = join(dir, "s.sock");
  const marker = `m${Math.random().toString(36).slice(2)}`;
  const config = join(dir, "pyorchestrate.toml");
  writeFileSync(config, `[orchestrator]\ncommand_socket_path = "${socket}"\n\n${agents.replaceAll("MARKER", marker)}`);
  const proc = Bun.spawn([unshare as string, "--pid", "--fork", "--mount-proc", BINARY, "serve", config], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let stderr = "";
  const decoder = new TextDecoder();
  const collecting = (async () => {
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  // unshare --fork: serve is unshare's one child, PID 1 inside.
  const pid = await waitFor(() => {
    const children = readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "latin1").trim();
    return children !== "" && Number(children.split(" ")[0]);
  }, "serve to start in its namespace");
  const namespace = pidNamespace(pid) as string;
  const call = <C extends "ps" | "status">(command: C) => request(command, {}, { socketPath: socket, timeoutMs: 2_000 });
  await waitFor(async () => (await call("status")).status === "success", "serve to answer", 15_000);
  return {
    pid,
    namespace,
    marker,
    stderr: () => stderr,
    async agent(name: string): Promise<PsAgent | undefined> {
      const answer = await call("ps");
      return answer.status === "success" ? answer.data.agents.find((row) => row.name === name) : undefined;
    },
    /** Signals serve (PID 1 inside); resolves to unshare's exit code, which is serve's. Throws if serve outlives `withinMs`. */
    async signal(signal: NodeJS.Signals, withinMs = 20_000) {
      process.kill(pid, signal);
      let timer: Timer | undefined;
      const outlived = new Promise<"outlived">((resolve) => (timer = setTimeout(resolve, withinMs, "outlived")));
      const code = await Promise.race([proc.exited, outlived]);
      clearTimeout(timer);
      if (code === "outlived") throw new Error(`serve was still running ${withinMs} ms after ${signal}`);
      await collecting;
      return code;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null) {
        process.kill(pid, "SIGKILL");
        await proc.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test.skipIf(!canUnshare)(
  `as PID 1, serve reaps the orphans an agent makes (≤ 5 zombies at every sample over ${FORK_SECONDS} s) and leaves nothing after SIGTERM`,
  async () => {
    using _slot = await serveSlot();
    // Five background children a second, each orphaned at once (its subshell exits) and dead 50 ms later.
    await using ns = await serveAsPid1(
      `[agents.Forker]\ncommand = ["sh", "-c", "while :; do for i in 1 2 3 4 5; do (sleep 0.05 &) ; done; sleep 1; done"]\nenv = { PYO_TEST_MARKER = "MARKER" }\n`,
    );
    await waitFor(async () => (await ns.agent("Forker"))?.status === "running", "the forking agent to run");
    expect(ns.stderr()).not.toContain("subreaper");

    let samples = 0;
    let most = 0;
    let adoptedSeen = 0;
    const deadline = Date.now() + FORK_SECONDS * 1_000;
    while (Date.now() < deadline) {
      const children = allProcs().filter((proc) => proc.ppid === ns.pid);
      const zombies = children.filter((proc) => proc.state === "Z").length;
      // Alive and not the agent's shell: an orphaned `sleep 0.05`, re-parented to serve.
      adoptedSeen += children.filter((proc) => proc.state !== "Z" && readComm(proc.pid) === "sleep").length;
      most = Math.max(most, zombies);
      expect(zombies).toBeLessThanOrEqual(5);
      samples++;
      await Bun.sleep(50);
    }
    // The bound means something only if orphans did come to serve while it was sampled.
    expect(adoptedSeen).toBeGreaterThan(0);
    expect(samples).toBeGreaterThan(FORK_SECONDS * 5);

    expect(await ns.signal("SIGTERM")).toBe(0);
    expect(ns.stderr()).toContain("shutdown complete");
    await waitFor(() => inNamespace(ns.namespace).length === 0, "the namespace to be empty", 5_000);
    expect(processesWithEnv("PYO_TEST_MARKER", ns.marker)).toEqual([]);
    console.info(`pid1: ${samples} samples over ${FORK_SECONDS} s, at most ${most} zombie(s) at once, ${adoptedSeen} adopted orphan sighting(s)`);
  },
  FORK_SECONDS * 1_000 + 60_000,
);

test.skipIf(!canUnshare)(
  "as PID 1, SIGHUP reloads and SIGINT shuts down gracefully with exit 0",
  async () => {
    using _slot = await serveSlot();
    await using ns = await serveAsPid1(`[agents.Sleeper]\ncommand = ["sleep", "300"]\nenv = { PYO_TEST_MARKER = "MARKER" }\n`);
    await waitFor(async () => (await ns.agent("Sleeper"))?.status === "running", "the agent to run");
    process.kill(ns.pid, "SIGHUP");
    await waitFor(() => ns.stderr().includes("configuration reloaded"), "the reload SIGHUP asks for");
    expect(isAlive(ns.pid)).toBe(true);
    expect(await ns.signal("SIGINT")).toBe(0);
    expect(ns.stderr()).toContain("SIGINT received: graceful shutdown");
    await waitFor(() => inNamespace(ns.namespace).length === 0, "the namespace to be empty", 5_000);
    expect(processesWithEnv("PYO_TEST_MARKER", ns.marker)).toEqual([]);
  },
  60_000,
);

test.skipIf(!canUnshare)(
  "as PID 1, SIGQUIT kills every agent at once (no stop_timeout wait) and exits 131",
  async () => {
    using _slot = await serveSlot();
    // Ignores SIGTERM, and would get 60 s before SIGKILL in a graceful stop.
    await using ns = await serveAsPid1(
      `[agents.Stubborn]\ncommand = ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]\nstop_timeout = 60\nenv = { PYO_TEST_MARKER = "MARKER" }\n`,
    );
    await waitFor(async () => (await ns.agent("Stubborn"))?.status === "running", "the agent to run");
    const asked = Date.now();
    expect(await ns.signal("SIGQUIT")).toBe(131);
    // Far below the 60 s a graceful stop would have waited: nothing waited for stop_timeout.
    expect(Date.now() - asked).toBeLessThan(20_000);
    expect(ns.stderr()).toContain("SIGQUIT received: killing every agent now");
    await waitFor(() => inNamespace(ns.namespace).length === 0, "the namespace to be empty", 5_000);
    expect(processesWithEnv("PYO_TEST_MARKER", ns.marker)).toEqual([]);
  },
  60_000,
);

test.skipIf(process.platform !== "linux")(
  "a daemon (setsid + fork) is re-parented to serve, reaped once ended, and ended with its agent: stop, restart, a run's timeout, shutdown",
  async () => {
    using _slot = await serveSlot();
    // The agent's child leaves the group (setsid), forks the daemon and exits: the daemon is an orphan.
    const daemonizing = (tag: string, then: string) => `command = ["sh", "-c", "setsid sh -c 'sleep ${tag} & echo $! > ${tag}.pid'; ${then}"]`;
    await using served = await serve(
      `[agents.Stop]\n${daemonizing("401", "exec sleep 300")}\n\n` +
        `[agents.Restart]\n${daemonizing("402", "exec sleep 300")}\n\n` +
        `[agents.Timeout]\nkind = "periodic"\nexecution_interval = 3600\ntimeout = 4\n${daemonizing("403", "exec sleep 300")}\n\n` +
        `[agents.Shutdown]\n${daemonizing("404", "exec sleep 300")}\n`,
    );
    expect(served.stderr()).not.toContain("subreaper");
    const daemon = (tag: string) =>
      waitFor(() => {
        const text = readIfThere(join(served.dir, `${tag}.pid`)).trim();
        return text !== "" && isAlive(Number(text)) && Number(text);
      }, `daemon ${tag} to run`);
    const [stopped, restarted, timedOut, atShutdown] = await Promise.all(["401", "402", "403", "404"].map(daemon));
    for (const pid of [stopped, restarted, timedOut, atShutdown] as number[]) {
      // Re-parented to serve (a child subreaper), not to init.
      await waitFor(() => stat(pid)?.ppid === served.proc.pid, `daemon ${pid} to be re-parented to serve`);
    }
    // Gone from /proc altogether: killed, and reaped by serve rather than left a zombie.
    const reaped = (pid: number) => waitFor(() => !existsSync(`/proc/${pid}`), `daemon ${pid} to be ended and reaped`, 5_000);

    expect((await served.data("stop", { agent: "Stop" })).graceful_shutdown).toBe(true);
    await reaped(stopped as number);
    await served.data("restart", { agent: "Restart" });
    await reaped(restarted as number);
    await reaped(timedOut as number);
    await waitFor(() => /Timeout run 1 .*timed out/.test(served.stderr()), "the run's timeout in serve's log");
    expect(isAlive(atShutdown as number)).toBe(true);
    expect(await served.stop()).toBe(0);
    expect(isAlive(atShutdown as number)).toBe(false);
    expect(served.leftovers()).toEqual([]);
  },
  60_000,
);

test("every asynchronous Bun.spawn in src/ registers its child with ownChild (the reaper must never take Bun's children)", () => {
  const srcDir = resolve(import.meta.dir, "../../src");
  const offenders: string[] = [];
  for (const file of readdirSync(srcDir, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue;
    const text = readFileSync(join(srcDir, file), "utf8");
    const spawns = text.match(/Bun\.spawn\(/g)?.length ?? 0;
    const registered = text.match(/\bownChild\(/g)?.length ?? 0;
    if (spawns > registered) offenders.push(`${relative(srcDir, join(srcDir, file))}: ${spawns} Bun.spawn, ${registered} ownChild`);
  }
  expect(offenders).toEqual([]);
});

function readComm(pid: number): string {
  return readIfThere(`/proc/${pid}/comm`).trim();
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
