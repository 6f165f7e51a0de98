// One serve per state_dir, and what a killed serve leaves behind (grandchildren included) is
// ended by the next serve before it starts anything.

import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, serve } from "../helpers/serve.ts";
import { deathGuardOf, exactly, isAlive } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

async function runServe(configPath: string, cwd: string): Promise<{ code: number; stderr: string }> {
  const proc = Bun.spawn([BINARY, "serve", configPath], { cwd, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { code, stderr };
}

test("a second serve on the same state_dir (another socket) is refused while the first lives", async () => {
  await using first = await serve(`[agents.A]\ncommand = ["sleep", "30"]\n`);
  const other = join(first.dir, "other.toml");
  writeFileSync(other, `[orchestrator]\ncommand_socket_path = "${join(first.dir, "o.sock")}"\n`);
  const second = await runServe(other, first.dir);
  expect(second.code).toBe(1);
  expect(second.stderr).toContain(`another serve (pid ${first.proc.pid}) is using state_dir`);
  expect((await first.data("ps")).agents[0]?.status).toBe("running");
});

test("grandchildren of a SIGKILLed serve's agents are ended by the next serve, which then starts its own", async () => {
  await using first = await serve(`[agents.Forker]\ncommand = ["sh", "-c", "sleep 300 & (setsid sleep 301 &) ; exec sleep 302"]\nautostart = true\n`);
  // Three sleeps: one in the group, one escaped with setsid, and the agent's own.
  const before = await waitFor(() => exactly(first.leftovers(), ["sleep 300", "sleep 301", "sleep 302"]), "the agent and its descendants");
  // serve and its death guard killed together (the guard alone would end them all at once:
  // test/fault/orphans.test.ts): everything waits for the next serve.
  process.kill(deathGuardOf(first.proc.pid) as number, "SIGKILL");
  first.proc.kill("SIGKILL");
  await first.proc.exited;
  expect(before.filter(isAlive)).toEqual(before);

  await using second = await serve(`[agents.Forker]\ncommand = ["sleep", "30"]\n`, { reuseDir: first });
  expect(before.filter(isAlive)).toEqual([]);
  expect(second.stderr()).toContain(`left running by a previous serve (pid ${first.proc.pid})`);
  expect((await second.data("ps")).agents[0]?.status).toBe("running");
});
