// Per-agent identity against the compiled binary, with real processes: `user`/`group` (serve as
// root switches accounts through setpriv; serve not root refuses another account), `umask`,
// `env_file` (merged under `env`, read again on reload) and `max_memory` (the process group's RSS
// over the limit in two samples in a row restarts the agent). Needs root and the `nobody` account.

import { expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "../../src/client/connection.ts";
import type { AgentStatusData } from "../../src/protocol/commands.ts";
import type { HistoryEvent } from "../../src/protocol/events.ts";
import { agent, psOf, running, sh, statusOf, until } from "../helpers/agents-toml.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { groupMembers, isAlive, processesWithEnv } from "../helpers/processes.ts";
import { BINARY, type Served, serve, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

/** Switching users needs root: elsewhere these tests are skipped, saying why in their name. */
const asRoot = process.getuid?.() === 0 ? test.concurrent : test.skip;

const NOBODY = 65534;

/** nobody's line of /etc/passwd: what the agent's HOME and USER must be. */
function passwdOf(name: string): { uid: number; gid: number; home: string } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} in /etc/passwd`);
  const [, , uid, gid, , home] = line.split(":");
  return { uid: Number(uid), gid: Number(gid), home: home ?? "" };
}

/** A /proc/<pid>/status field, e.g. "Uid" → "65534\t65534\t65534\t65534". */
function procStatus(pid: number, field: string): string {
  const match = new RegExp(`^${field}:\\s*(.*)$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return match[1].trim();
}

/** Real, effective, saved and filesystem ids all equal to `id`. */
const allIds = (id: number) => [id, id, id, id].join("\t");

/** A serve folder that agents running as nobody can enter, with `w/` for them to write in. */
function sharedDir(): string {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "w"));
  chmodSync(join(dir, "w"), 0o777);
  return dir;
}

/** A file an agent writes once (tmp + mv, so it is never read half-written). */
function awaitFile(path: string, what: string): Promise<string> {
  return waitFor(() => existsSync(path) && readFileSync(path, "utf8"), what);
}

/** `sh -c` that writes `lines` (shell words, one per line) to `<name>.$$` in its cwd, then sleeps as the agent. */
function reporter(name: string, lines: string[]): string[] {
  const body = lines.map((line) => `echo ${line}`).join("; ");
  return sh(`{ ${body}; } > .${name}.$$ && mv .${name}.$$ ${name}.$$; exec sleep 300`);
}

async function eventsOf(served: Served, name: string, type: HistoryEvent["type"]): Promise<HistoryEvent[]> {
  return (await served.data("history", { agent: name, type, last: 100 })).events;
}

const PYTHON = Bun.spawnSync(["python3", "-c", "import sys; print(sys.executable)"]).stdout.toString().trim();

asRoot(
  "user = nobody: the agent runs as uid/gid 65534 with nobody's HOME/USER; group = root makes its gid 0",
  async () => {
    using _slot = await serveSlot();
    const nobody = passwdOf("nobody");
    expect(nobody.uid).toBe(NOBODY);
    const report = reporter("who", ['"$(id -u)"', '"$(id -g)"', '"$(id -G)"', '"$HOME"', '"$USER"', '"$LOGNAME"']);
    await using served = await serve(
      agent("Nobody", { command: report, user: "nobody", cwd: "w" }) +
        agent("RootGroup", { command: report, user: "nobody", group: "root", cwd: "w" }) +
        agent("Serve", { command: report, cwd: "w" }),
      { dir: sharedDir() },
    );
    const [mine, rootGroup, same] = await Promise.all([running(served, "Nobody"), running(served, "RootGroup"), running(served, "Serve")]);
    const pid = mine.pid as number;

    // The kernel's view of the agent's process (setpriv has exec'd into sh, then sleep: same pid).
    expect(procStatus(pid, "Uid")).toBe(allIds(NOBODY));
    expect(procStatus(pid, "Gid")).toBe(allIds(NOBODY));
    // serve's own supplementary groups (root's) are not handed down.
    expect(procStatus(pid, "Groups").split(/\s+/)).not.toContain("0");
    const rootGroupPid = rootGroup.pid as number;
    expect(procStatus(rootGroupPid, "Uid")).toBe(allIds(NOBODY));
    expect(procStatus(rootGroupPid, "Gid")).toBe(allIds(0));

    // What the agent itself sees, written by it as nobody.
    const seen = (await awaitFile(join(served.dir, "w", `who.${pid}`), "Nobody's report")).split("\n");
    expect(seen.slice(0, 2)).toEqual([String(NOBODY), String(NOBODY)]);
    expect(seen.slice(3, 6)).toEqual([nobody.home, "nobody", "nobody"]);
    expect(statSync(join(served.dir, "w", `who.${pid}`)).uid).toBe(NOBODY);
    const seenByRootGroup = (await awaitFile(join(served.dir, "w", `who.${rootGroupPid}`), "RootGroup's report")).split("\n");
    expect(seenByRootGroup.slice(0, 2)).toEqual([String(NOBODY), "0"]);
    expect(seenByRootGroup.slice(3, 6)).toEqual([nobody.home, "nobody", "nobody"]);

    // Without `user` the agent keeps serve's identity and environment.
    const samePid = same.pid as number;
    expect(procStatus(samePid, "Uid")).toBe(allIds(0));
    const seenBySame = (await awaitFile(join(served.dir, "w", `who.${samePid}`), "Serve's report")).split("\n");
    expect(seenBySame.slice(0, 2)).toEqual(["0", "0"]);
    expect(seenBySame[3]).toBe(process.env.HOME ?? "");
  },
  30_000,
);

asRoot(
  "an agent switched to nobody still dies with serve when serve is killed (the death guard runs as serve's account)",
  async () => {
    using _slot = await serveSlot();
    // An account switch would clear a parent-death signal; the guard, root like serve, ends it regardless.
    await using served = await serve(agent("Nobody", { command: ["sleep", "300"], user: "nobody" }), { dir: sharedDir() });
    const { pid } = await running(served, "Nobody");
    expect(procStatus(pid as number, "Uid")).toBe(allIds(NOBODY));
    await served.stop("SIGKILL");
    await waitFor(() => !isAlive(pid as number), "the agent to die with serve", 5_000);
  },
  30_000,
);

asRoot(
  "serve not root: an agent with user = root fails naming the user and why; agents without user or as serve's own user run",
  async () => {
    using _slot = await serveSlot();
    const dir = tempDir();
    chownSync(dir, NOBODY, NOBODY);
    const socket = join(dir, "s.sock");
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const configPath = join(dir, "pyorchestrate.toml");
    writeFileSync(
      configPath,
      `[orchestrator]\ncommand_socket_path = "${socket}"\n\n` +
        agent("AsRoot", { command: ["sleep", "300"], user: "root", env: { PYO_TEST_MARKER: marker } }) +
        agent("Plain", { command: reporter("who", ['"$(id -u)"']), env: { PYO_TEST_MARKER: marker } }) +
        // serve's own account: nothing to switch, so no root needed.
        agent("Self", { command: ["sleep", "300"], user: "nobody", env: { PYO_TEST_MARKER: marker } }),
    );
    const proc = Bun.spawn(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", BINARY, "serve", configPath], {
      cwd: dir,
      env: cleanEnv(),
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const stderr = new Response(proc.stderr).text();
    const options = { socketPath: socket, timeoutMs: 5_000 };
    try {
      // setpriv exec'd into serve: that pid is serve, and it is not root.
      await waitFor(() => existsSync(socket) && procStatus(proc.pid, "Uid") === allIds(NOBODY), "serve to listen as nobody");
      const failed = await waitFor(async () => {
        const envelope = await request("status", { agent: "AsRoot" }, options);
        const data = envelope.status === "success" ? (envelope.data as AgentStatusData) : null;
        return data?.status === "failed" && data;
      }, "AsRoot to fail");
      const reason = "user 'root': serve runs as uid 65534, not root, so it cannot start agents as another user";
      // Failed at once, whatever the restart policy: no retry can change the account serve runs as.
      expect(failed).toMatchObject({ pid: null, last_exit_code: null, restarts: 0, last_error: reason });
      const history = await request("history", { agent: "AsRoot", type: "AGENT_FAILED" }, options);
      expect(history.status).toBe("success");
      const events = history.status === "success" ? history.data.events : [];
      expect(events.map((event) => event.details.error)).toEqual([reason]);

      const plain = await waitFor(async () => {
        const envelope = await request("ps", {}, options);
        const row = envelope.status === "success" ? envelope.data.agents.find((a) => a.name === "Plain") : undefined;
        return row?.status === "running" && row.pid !== null && row;
      }, "Plain to run");
      const seen = await awaitFile(join(dir, `who.${plain.pid}`), "Plain's report");
      expect(seen).toBe(`${NOBODY}\n`);
      expect(procStatus(plain.pid as number, "Uid")).toBe(allIds(NOBODY));
      const self = await request("status", { agent: "Self" }, options);
      expect(self.status === "success" && (self.data as AgentStatusData).status).toBe("running");

      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(await stderr).toContain(`AsRoot failed: could not start: ${reason}`);
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
      for (const pid of processesWithEnv("PYO_TEST_MARKER", marker)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  },
  30_000,
);

test.concurrent("umask = 0o077: the agent's files are 0600; an agent without umask gets serve's", async () => {
  using _slot = await serveSlot();
  // mask.$$ appears last (renamed into place): once it is there, made.$$ is too.
  const write = sh("echo x > made.$$ && umask > .mask.$$ && mv .mask.$$ mask.$$; exec sleep 300");
  // Masked starts first: serve's umask must be back before Plain is spawned.
  await using served = await serve(`${agent("Masked", { command: write })}umask = 0o077\n\n${agent("Plain", { command: write })}`);
  const [masked, plain] = await Promise.all([running(served, "Masked"), running(served, "Plain")]);

  const serveUmask = Number.parseInt(procStatus(served.proc.pid, "Umask"), 8);
  expect(serveUmask).not.toBe(0o077);
  expect(Number.parseInt(procStatus(masked.pid as number, "Umask"), 8)).toBe(0o077);
  expect(Number.parseInt(procStatus(plain.pid as number, "Umask"), 8)).toBe(serveUmask);

  const mode = async (pid: number | null) => {
    await awaitFile(join(served.dir, `mask.${pid}`), `the mask written by ${pid}`);
    return statSync(join(served.dir, `made.${pid}`)).mode & 0o777;
  };
  expect(await mode(masked.pid)).toBe(0o600);
  expect(await mode(plain.pid)).toBe(0o666 & ~serveUmask);
  expect(readFileSync(join(served.dir, `mask.${masked.pid}`), "utf8").trim()).toBe("0077");
}, 30_000);

test.concurrent("env_file: its variables reach the agent, env wins over it, and a reload after an edit restarts the agent with the new value", async () => {
  using _slot = await serveSlot();
  const dir = tempDir();
  const envFile = join(dir, "app.env");
  writeFileSync(envFile, `# settings\nexport GREETING="hello world"\nSHARED=from-file\nEMPTY=\n`);
  const agents =
    agent("Reader", {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${EMPTY-unset} is the shell's parameter expansion, for sh to read
      command: reporter("env", ['"$GREETING|$SHARED|${EMPTY-unset}"']),
      env_file: "app.env",
      env: { SHARED: "from-env" },
    }) + agent("Other", { command: ["sleep", "300"] });
  await using served = await serve(agents, { dir });
  const [first, other] = await Promise.all([running(served, "Reader"), running(served, "Other")]);
  expect(await awaitFile(join(dir, `env.${first.pid}`), "Reader's first report")).toBe("hello world|from-env|\n");

  writeFileSync(envFile, `GREETING='changed $HOME'\nSHARED=from-file\n`);
  const ran = await cli(["reload", "--socket", served.socket]);
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout).data).toMatchObject({ changed: ["Reader"], unchanged: ["Other"] });

  const second = await until(served, "Reader", (row) => row.status === "running" && row.pid !== null && row.pid !== first.pid, "to run again");
  expect(isAlive(first.pid as number)).toBe(false);
  // Single quotes: no expansion; EMPTY is gone from the file, so gone from the agent.
  expect(await awaitFile(join(dir, `env.${second.pid}`), "Reader's second report")).toBe("changed $HOME|from-env|unset\n");
  expect((await psOf(served, "Other")).pid).toBe(other.pid);
}, 30_000);

test.concurrent("max_memory: a group over the limit is restarted (AGENT_MEMORY_LIMIT, new pid, restarts + 1); one under it is left alone", async () => {
  using _slot = await serveSlot();
  // The memory is in python, a child of sh: the whole group counts.
  const hog = sh(`${PYTHON} -c "x = bytearray(60_000_000); import time; time.sleep(300)"; exit 1`);
  const calm = sh(`${PYTHON} -c "x = bytearray(2_000_000); import time; time.sleep(300)"; exit 1`);
  await using served = await serve(agent("Hog", { command: hog, max_memory: "30MB" }) + agent("Calm", { command: calm, max_memory: "30MB" }));
  const [first, calmFirst] = await Promise.all([running(served, "Hog"), running(served, "Calm")]);
  const oldPid = first.pid as number;
  expect(first.restarts).toBe(0);
  // sh and its python child, both in the agent's group.
  const members = await waitFor(() => {
    const found = groupMembers(oldPid);
    return found.length >= 2 && found;
  }, "Hog's python child");

  const second = await until(served, "Hog", (row) => row.status === "running" && row.pid !== null && row.pid !== oldPid, "to run with a new pid", 20_000);
  expect(second.restarts).toBeGreaterThanOrEqual(1);
  for (const pid of members) expect(isAlive(pid)).toBe(false);

  const [limit] = await eventsOf(served, "Hog", "AGENT_MEMORY_LIMIT");
  expect(limit?.details).toMatchObject({ pid: oldPid, max_memory: 30_000_000 });
  expect(Number(limit?.details.rss_bytes)).toBeGreaterThan(30_000_000);
  expect(served.stderr()).toMatch(new RegExp(`Hog uses [\\d.]+ MB, over max_memory 30\\.0 MB \\(pid ${oldPid}\\): restarting`));

  // Calm has been sampled as often as Hog (at least twice) and is untouched.
  const calmNow = await psOf(served, "Calm");
  expect(calmNow.pid).toBe(calmFirst.pid);
  expect(calmNow.restarts).toBe(0);
  expect(await eventsOf(served, "Calm", "AGENT_MEMORY_LIMIT")).toEqual([]);
  expect((await statusOf(served, "Calm")).memory_bytes).toBeLessThan(30_000_000);
}, 30_000);

test.concurrent("max_memory: an agent slow to leave on its stop signal is reported once, then killed after stop_timeout", async () => {
  using _slot = await serveSlot();
  // Ignores SIGTERM (sh and python both), so it lives on for stop_timeout after the report:
  // samples keep finding it over the limit meanwhile.
  const stubborn = sh(
    `trap '' TERM; ${PYTHON} -c "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); x = bytearray(60_000_000); time.sleep(300)"; exit 1`,
  );
  await using served = await serve(agent("Stubborn", { command: stubborn, max_memory: "30MB", stop_timeout: 6 }));
  const first = await running(served, "Stubborn");
  const oldPid = first.pid as number;
  await until(served, "Stubborn", (row) => row.pid !== null && row.pid !== oldPid, "to run with a new pid", 25_000);

  const reports = (await eventsOf(served, "Stubborn", "AGENT_MEMORY_LIMIT")).filter((event) => event.details.pid === oldPid);
  expect(reports).toHaveLength(1);
  const [exit] = (await eventsOf(served, "Stubborn", "AGENT_EXITED")).filter((event) => event.details.pid === oldPid);
  expect(exit?.details.signal).toBe("SIGKILL");
  expect(served.stderr().match(/Stubborn uses .* over max_memory/g)).toHaveLength(1);
  // The new run ignores SIGTERM too: a graceful stop would wait out stop_timeout for nothing.
  await served.stop("SIGKILL");
}, 30_000);
