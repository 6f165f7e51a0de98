// Who may reach the socket is who controls the agents: the socket's folder must not let others
// replace it, its mode and group decide who connects, and a user without access is told why
// and what to change. Permission refusals are audited.

import { expect, test } from "bun:test";
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers/cli.ts";
import { BINARY, serve, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

/** Running the client as another user needs root: elsewhere these tests are skipped. */
const asRoot = process.getuid?.() === 0 ? test.concurrent : test.skip;

const NOBODY = 65534;
const SLEEPER = `[agents.Sleeper]\ncommand = ["sleep", "300"]\n`;

/** `pyorchestrate ARGS` as the unprivileged user nobody (uid and gid 65534, no other groups). */
async function runAs(args: string[], id = NOBODY) {
  const proc = Bun.spawn(["setpriv", `--reuid=${id}`, `--regid=${id}`, "--clear-groups", BINARY, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", NO_COLOR: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** serve on a socket in `folder`, to its exit (a refusal) — bounded. */
async function serveRefused(dir: string, socket: string) {
  const config = join(dir, "pyorchestrate.toml");
  writeFileSync(config, `[orchestrator]\ncommand_socket_path = "${socket}"\n\n${SLEEPER}`);
  const proc = Bun.spawn([BINARY, "serve", config], { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const timer = setTimeout(() => proc.kill("SIGTERM"), 10_000);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stderr };
}

test.concurrent("a socket in a world-writable folder without the sticky bit is refused before anything starts", async () => {
  using _slot = await serveSlot();
  const dir = tempDir();
  try {
    const open = join(dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o777);
    const refused = await serveRefused(dir, join(open, "s.sock"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${open} is writable by every user and has no sticky bit`);
    expect(refused.stderr).not.toContain("Sleeper started");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test.concurrent("a sticky world-writable folder (like /tmp) is accepted; a missing folder is created 0700", async () => {
  using _slot = await serveSlot();
  const sticky = tempDir();
  chmodSync(sticky, 0o1777);
  await using served = await serve(SLEEPER, { dir: sticky });
  expect(statSync(served.socket).isSocket()).toBe(true);

  const dir = tempDir();
  try {
    const nested = join(dir, "run", "pyo");
    writeFileSync(join(dir, "pyorchestrate.toml"), `[orchestrator]\ncommand_socket_path = "${join(nested, "s.sock")}"\n`);
    const proc = Bun.spawn([BINARY, "serve", join(dir, "pyorchestrate.toml")], { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      await waitFor(async () => {
        if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}`);
        return (await cli(["status", "--socket", join(nested, "s.sock")])).code === 0;
      }, "serve to answer in the folder it created");
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
    expect((statSync(nested).mode & 0o777).toString(8)).toBe("700");
    expect((statSync(join(dir, "run")).mode & 0o777).toString(8)).toBe("700");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

asRoot(
  "a user without access gets SOCKET_CONNECTION_ERROR naming the permission problem and the fix",
  async () => {
    using _slot = await serveSlot();
    await using served = await serve(SLEEPER);
    // The folder is open to all; the socket keeps its default 0600.
    chmodSync(served.dir, 0o755);

    const piped = await runAs(["ps", "--socket", served.socket]);
    expect(piped.code).toBe(3);
    const envelope = JSON.parse(piped.stdout);
    expect(envelope.error.code).toBe("SOCKET_CONNECTION_ERROR");
    expect(envelope.error.details).toEqual(expect.objectContaining({ socket_path: served.socket, errno: "EACCES" }));
    expect(envelope.error.details.hint).toContain("command_socket_group");

    const table = await runAs(["ps", "--socket", served.socket, "--format", "table"]);
    expect(table.code).toBe(3);
    expect(table.stderr).toStartWith(`✗ Permission denied on ${served.socket} (EACCES)`);
    // serve's own user still gets in.
    expect((await cli(["ps", "--socket", served.socket])).code).toBe(0);
  },
  30_000,
);

asRoot(
  "command_socket_group with mode 0660 lets that group in, and only it",
  async () => {
    using _slot = await serveSlot();
    await using served = await serve(SLEEPER, { orchestrator: `command_socket_permissions = 0o660\ncommand_socket_group = "${NOBODY}"` });
    chmodSync(served.dir, 0o755);
    const stat = statSync(served.socket);
    expect({ gid: stat.gid, mode: (stat.mode & 0o777).toString(8) }).toEqual({ gid: NOBODY, mode: "660" });
    const member = await runAs(["ps", "--socket", served.socket]);
    expect(member.code).toBe(0);
    expect(JSON.parse(member.stdout).data.agents[0].name).toBe("Sleeper");
    const outsider = await runAs(["ps", "--socket", served.socket], NOBODY - 1);
    expect(outsider.code).toBe(3);
    expect(JSON.parse(outsider.stdout).error.details.errno).toBe("EACCES");
  },
  30_000,
);

test.concurrent("a refused command is audited with its name in serve's log, and serve goes on", async () => {
  using _slot = await serveSlot();
  await using served = await serve(SLEEPER, { orchestrator: `blocked_commands = ["stop", "reload"]` });
  const ran = await cli(["stop", "Sleeper", "--socket", served.socket]);
  expect(ran.code).toBe(1);
  expect(JSON.parse(ran.stdout).error).toEqual(expect.objectContaining({ code: "PERMISSION_DENIED", details: { command: "stop" } }));
  expect((await cli(["reload", "--socket", served.socket])).code).toBe(1);
  expect(served.stderr()).toContain("command rejected: stop (PERMISSION_DENIED)");
  expect(served.stderr()).toContain("command rejected: reload (PERMISSION_DENIED)");
  expect((await served.data("ps")).agents[0]?.status).toBe("running");
}, 30_000);
