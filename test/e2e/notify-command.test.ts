// `pyorchestrate notify` from the compiled binary, heard by the notify receiver compiled the way
// the release is (test/fixtures/notify-receiver-fixture.ts through `bun build --compile`, which
// proves its thread starts inside a standalone executable), and by the plain listener for an
// abstract address. Debian's systemd-notify reaches the same receiver.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { jsonLines } from "../helpers/json-lines.ts";
import { BINARY, FIXTURES } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

interface Heard {
  key: string;
  pid: number;
  uid: number;
  gid: number;
  fields: Record<string, string>;
  raw: string;
}

let build: string;
let receiverBinary: string;

beforeAll(async () => {
  build = mkdtempSync("/tmp/pyo-nc-");
  receiverBinary = join(build, "notify-receiver");
  // The "build" script's flags (package.json), so the fixture is compiled as the release is.
  const flags = ["--compile", "--minify", "--sourcemap", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];
  const compiled = Bun.spawnSync([process.execPath, "build", join(FIXTURES, "notify-receiver-fixture.ts"), ...flags, "--outfile", receiverBinary], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (compiled.exitCode !== 0) throw new Error(`compiling the receiver fixture failed:\n${compiled.stderr.toString()}`);
}, 120_000);

afterAll(() => rmSync(build, { recursive: true, force: true }));

/** The compiled receiver on `path`; `heard()` lists its datagrams without systemd-notify's BARRIER=1. */
async function receiver(path: string) {
  const running = await jsonLines([receiverBinary, path], (record) => "listening" in record);
  return Object.assign(running, {
    heard: () => running.records.filter((record) => "key" in record && !("BARRIER" in (record.fields as object))) as unknown as Heard[],
  });
}

/** Runs `command` with NOTIFY_SOCKET; its pid and exit code. */
async function run(command: string[], notifySocket: string) {
  const proc = Bun.spawn(command, { env: cleanEnv({ NOTIFY_SOCKET: notifySocket }), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { pid: proc.pid, code, stdout, stderr };
}

test("notify READY=1 STATUS=x: one datagram from the notify process itself, nothing printed, exit 0", async () => {
  const dir = mkdtempSync("/tmp/pyo-nc-");
  const path = join(dir, "notify.sock");
  await using heard = await receiver(path);
  const sent = await run([BINARY, "notify", "READY=1", "STATUS=x"], path);
  expect({ code: sent.code, stdout: sent.stdout, stderr: sent.stderr }).toEqual({ code: 0, stdout: "", stderr: "" });
  const shorthand = await run([BINARY, "notify", "--ready", "--status", "two words", "WATCHDOG=1"], path);
  expect(shorthand.code).toBe(0);
  await waitFor(() => heard.heard().length === 2, "two datagrams");
  expect(heard.heard()).toEqual([
    { key: "socket0", pid: sent.pid, uid: 0, gid: 0, fields: { READY: "1", STATUS: "x" }, raw: "READY=1\nSTATUS=x\n" },
    {
      key: "socket0",
      pid: shorthand.pid,
      uid: 0,
      gid: 0,
      fields: { READY: "1", STATUS: "two words", WATCHDOG: "1" },
      raw: "READY=1\nSTATUS=two words\nWATCHDOG=1\n",
    },
  ]);
  // SIGTERM: the fixture disposes the receiver, which removes the socket and lets it exit.
  expect(await heard.stop()).toBe(0);
  expect(heard.records.at(-1)).toEqual({ disposed: true });
  expect(existsSync(path)).toBe(false);
  rmSync(dir, { recursive: true, force: true });
});

test("an abstract NOTIFY_SOCKET (@name) works too", async () => {
  const address = `@pyo-notify-${process.pid}`;
  await using listener = await jsonLines([process.execPath, join(FIXTURES, "notify-listener-fixture.ts"), address], (record) => "listening" in record);
  expect((await run([BINARY, "notify", "--ready"], address)).code).toBe(0);
  await waitFor(() => listener.records.some((record) => record.message === "READY=1\n"), "READY=1 on the abstract socket");
});

test.each([
  [[], "nothing to send"],
  [["FOO"], "'FOO' is not an assignment"],
  [["READY=1", "=x"], "'=x' is not an assignment"],
  [["--bogus", "READY=1"], "unknown option '--bogus'"],
  [["--status"], "option '--status' needs a value"],
  [["STATUS=two\nlines"], "an assignment cannot span lines"],
])("usage error %j: exit 2, one ✗ line and the usage", async (args, message) => {
  const ran = await cli(["notify", ...args], { env: { NOTIFY_SOCKET: "/nonexistent/notify.sock" } });
  expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 2, stdout: "" });
  expect(ran.stderr).toStartWith(`✗ ${message}`);
  expect(ran.stderr.trimEnd().split("\n")[1]).toBe("Usage: pyorchestrate notify [assignment] [--ready] [--status TEXT] [--no-block]");
});

test("NOTIFY_SOCKET unset, or nothing listening: exit 1 with one ✗ line", async () => {
  const env = cleanEnv();
  delete env.NOTIFY_SOCKET;
  const proc = Bun.spawn([BINARY, "notify", "READY=1"], { env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: "", stderr: "✗ NOTIFY_SOCKET is not set: nothing is listening for notifications\n" });

  const missing = await run([BINARY, "notify", "READY=1"], "/tmp/pyo-nothing-here.sock");
  expect({ code: missing.code, stdout: missing.stdout, stderr: missing.stderr }).toEqual({
    code: 1,
    stdout: "",
    stderr: "✗ cannot notify /tmp/pyo-nothing-here.sock: sendto: ENOENT\n",
  });
});

// Root for the account switch; Debian's systemd package (.ci/run installs it) for systemd-notify.
test.skipIf(process.getuid?.() !== 0 || !Bun.which("systemd-notify"))(
  "Debian's systemd-notify --ready reaches the receiver: as root with its caller's pid, as another user with its own",
  async () => {
    const dir = mkdtempSync("/tmp/pyo-nc-");
    chmodSync(dir, 0o711);
    const path = join(dir, "notify.sock");
    await using heard = await receiver(path);
    // A caller that forks systemd-notify and says which pid is which.
    const caller = (user: string[]) =>
      run(
        [
          ...user,
          "/usr/bin/python3",
          "-c",
          `import os
pid = os.fork()
if pid == 0:
    os.execvp("systemd-notify", ["systemd-notify", "--ready", "--status=from systemd-notify"])
_, status = os.waitpid(pid, 0)
print(os.getpid(), pid, status)`,
        ],
        path,
      ).then(({ stdout }) => stdout.trim().split(" ").map(Number));

    // As root, systemd-notify names its parent in the credentials it sends (SCM_CREDENTIALS with
    // another pid needs CAP_SYS_ADMIN)…
    const [rootCaller, rootNotify, rootStatus] = await caller([]);
    await waitFor(() => heard.heard().length === 1, "systemd-notify's datagram as root");
    expect(rootStatus).toBe(0);
    expect(heard.heard()[0]).toMatchObject({ pid: rootCaller, uid: 0, fields: { READY: "1", STATUS: "from systemd-notify" } });
    expect(rootNotify).not.toBe(rootCaller);

    // …as any other user the kernel puts its own pid there: a child of the caller.
    Bun.spawnSync(["chown", "65534:65534", path]);
    const [, nobodyNotify, nobodyStatus] = await caller(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
    await waitFor(() => heard.heard().length === 2, "systemd-notify's datagram as nobody");
    expect(nobodyStatus).toBe(0);
    expect(heard.heard()[1]).toMatchObject({ pid: nobodyNotify, uid: 65534, gid: 65534, fields: { READY: "1" } });
    rmSync(dir, { recursive: true, force: true });
  },
);
