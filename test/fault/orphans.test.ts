// No orphans: agents and their descendants die with a SIGKILLed serve (its death guard,
// src/system/death-guard.ts), and whatever a guard killed along with serve left is found and
// ended by the next serve on the same state_dir — by the pid records even when the processes
// cleared their environment, and never by a reused pid.

import { expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStat } from "../../src/orchestrator/procfs.ts";
import { deathGuardOf, exactly, groupMembers, isAlive } from "../helpers/processes.ts";
import { serve, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

test.concurrent("an agent, its group and a descendant that left the group die with serve when serve is killed with SIGKILL", async () => {
  using _slot = await serveSlot();
  await using served = await serve(`[agents.Forker]\ncommand = ["sh", "-c", "sleep 300 & (setsid sleep 301 &) ; exec sleep 302"]\n`);
  // The agent, its background sleep, and the sleep that left with setsid.
  const all = await waitFor(() => exactly(served.leftovers(), ["sleep 300", "sleep 301", "sleep 302"]), "the agent and its descendants");
  const guard = deathGuardOf(served.proc.pid);
  expect(guard).not.toBeNull();
  // Its own session: a signal to serve's group (a terminal's Ctrl+C, say) does not reach it.
  expect(readStat(guard as number)?.pgid).toBe(guard as number);
  served.proc.kill("SIGKILL");
  await served.proc.exited;
  // No next serve here: the guard alone ends them, then itself.
  await waitFor(() => all.every((pid) => !isAlive(pid)), "every process of the agent to die with serve", 5_000);
  await waitFor(() => !isAlive(guard as number), "the guard to end", 5_000);
}, 30_000);

test.concurrent("descendants that cleared their environment are found by the pid record of their group", async () => {
  using _slot = await serveSlot();
  using _next = await serveSlot();
  // env -i drops PYORCHESTRATE_SERVE_ID (and the test marker): only the group id still says whose they are.
  await using first = await serve(`[agents.Hider]\ncommand = ["env", "-i", "/bin/sh", "-c", "sleep 300 & exec sleep 301"]\n`);
  const leader = await waitFor(async () => (await first.data("ps")).agents[0]?.pid, "the agent to run");
  const group = await waitFor(() => groupMembers(leader).length === 2 && groupMembers(leader), "the agent's background child");
  const [child] = group.filter((pid) => pid !== leader);
  // The guard killed along with serve (as `kill -9` of both, or the OOM killer, might): the
  // agents run on, and the next serve is what ends them.
  const guard = deathGuardOf(first.proc.pid) as number;
  process.kill(guard, "SIGKILL");
  first.proc.kill("SIGKILL");
  await first.proc.exited;
  expect(isAlive(leader)).toBe(true);
  expect(isAlive(child as number)).toBe(true);

  await using next = await serve(`[agents.Hider]\ncommand = ["sleep", "30"]\n`, { reuseDir: first });
  expect(isAlive(child as number)).toBe(false);
  expect(next.stderr()).toContain("left running by a previous serve");
}, 30_000);

test.concurrent("a recorded pid that now belongs to another process is left alone; a matching one is ended", async () => {
  using _slot = await serveSlot();
  const dir = tempDir();
  // Two unrelated processes, each leading its own group, as a reused pid would.
  const stranger = Bun.spawn(["sleep", "60"], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
  const leftover = Bun.spawn(["sleep", "61"], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
  try {
    const ticks = (pid: number) => readStat(pid)?.startTicks as number;
    const pids = join(dir, ".pyorchestrate", "pids");
    mkdirSync(pids, { recursive: true });
    const record = (agent: string, pid: number, start: number) =>
      writeFileSync(join(pids, `${agent}.json`), JSON.stringify({ agent, pid, start_ticks: start, instance: "an-old-serve" }));
    // The stranger started after the recorded process: same pid, other process.
    record("Reused", stranger.pid, ticks(stranger.pid) - 1);
    record("Left", leftover.pid, ticks(leftover.pid));

    await using served = await serve(`[agents.Other]\ncommand = ["sleep", "30"]\n`, { dir });
    expect(await leftover.exited).not.toBe(0);
    expect(isAlive(stranger.pid)).toBe(true);
    expect(served.stderr()).toContain("ended 1 process(es) left running by a previous serve");
  } finally {
    stranger.kill("SIGKILL");
    leftover.kill("SIGKILL");
  }
}, 30_000);

test.concurrent("a daemon that left its agent's process group is ended when the agent stops, restarts or exits", async () => {
  using _slot = await serveSlot();
  // setsid puts the daemon in a session of its own: the group signal cannot reach it.
  const DAEMON = (tag: string) => `setsid sleep ${tag} >/dev/null 2>&1 & echo $! > ${tag}.pid`;
  await using served = await serve(
    `[agents.Stop]\ncommand = ["sh", "-c", "${DAEMON("401")}; exec sleep 300"]\n\n` +
      `[agents.Restart]\ncommand = ["sh", "-c", "${DAEMON("402")}; exec sleep 300"]\n\n` +
      `[agents.Exit]\ncommand = ["sh", "-c", "${DAEMON("403")}; exec sleep 1"]\nrestart = "never"\n`,
  );
  const daemon = (tag: string) =>
    waitFor(() => {
      const text = readFileIfThere(join(served.dir, `${tag}.pid`)).trim();
      return text !== "" && isAlive(Number(text)) && Number(text);
    }, `daemon ${tag} to run`);
  const [stopped, restarted, exited] = await Promise.all([daemon("401"), daemon("402"), daemon("403")]);

  expect((await served.data("stop", { agent: "Stop" })).graceful_shutdown).toBe(true);
  expect(isAlive(stopped)).toBe(false);
  await served.data("restart", { agent: "Restart" });
  expect(isAlive(restarted)).toBe(false);
  await waitFor(async () => (await served.data("ps")).agents.find((a) => a.name === "Exit")?.pid === null, "Exit to end");
  expect(isAlive(exited)).toBe(false);
}, 30_000);

function readFileIfThere(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
