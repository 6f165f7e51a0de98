// Smoke tests of the built binaries that this machine can run: the native one serves, answers
// ps and shuts down; an arm64 one answers --version and validate under qemu user emulation.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PsData } from "../../src/protocol/commands.ts";
import { mustRun, ReleaseError, run } from "./run.ts";

export const QEMU_PACKAGES = ["qemu-user-static", "libc6-arm64-cross", "libstdc++6-arm64-cross"];
const QEMU = "qemu-aarch64-static";
const ARM64_SYSROOT = "/usr/aarch64-linux-gnu";

/** What is missing to run arm64 binaries here, or null when nothing is. */
export function qemuMissing(): string | null {
  const missing = [];
  if (!Bun.which(QEMU)) missing.push(QEMU);
  if (!existsSync(join(ARM64_SYSROOT, "lib/ld-linux-aarch64.so.1"))) missing.push(`${ARM64_SYSROOT}/lib/ld-linux-aarch64.so.1`);
  if (missing.length === 0) return null;
  return `${missing.join(" and ")} not found; install them with: apt-get install -y --no-install-recommends ${QEMU_PACKAGES.join(" ")}`;
}

/** argv prefix that runs a binary of this smoke kind on this machine. */
function runner(kind: "native" | "qemu-aarch64"): string[] {
  return kind === "native" ? [] : [QEMU, "-L", ARM64_SYSROOT];
}

/** `--version` prints the package version, and `validate` accepts the example config. */
export async function smokeOffline(binary: string, kind: "native" | "qemu-aarch64", version: string, exampleConfig: string): Promise<void> {
  const prefix = runner(kind);
  const printed = (await mustRun(`${binary} --version`, [...prefix, binary, "--version"])).trim();
  if (printed !== version) throw new ReleaseError(`${binary} --version printed '${printed}', expected the package version '${version}'`);
  const validated = await mustRun(`${binary} validate`, [...prefix, binary, "validate", exampleConfig]);
  if (!validated.includes("is valid")) throw new ReleaseError(`${binary} validate ${exampleConfig} said:\n${validated}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await Bun.sleep(50);
  }
  throw new ReleaseError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/**
 * serve on a temporary config and socket (a looping agent and a oneshot), then `ps --json`
 * must show the one running and the other completed, and `shutdown` must end serve with 0,
 * its agent and its socket file gone.
 */
export async function smokeServe(binary: string): Promise<void> {
  const dir = mkdtempSync("/tmp/pyo-rel-");
  const socket = join(dir, "s.sock");
  const config = join(dir, "pyorchestrate.toml");
  writeFileSync(
    config,
    `[orchestrator]\ncommand_socket_path = "${socket}"\nstate_dir = "${join(dir, "state")}"\n\n` +
      `[agents.Sleeper]\ncommand = ["sleep", "300"]\n\n[agents.Once]\ncommand = ["true"]\nkind = "oneshot"\n`,
  );
  const serve = Bun.spawn([binary, "serve", config], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const serveLog = new Response(serve.stderr).text();
  const client = (command: string, ...args: string[]) => run([binary, command, "--json", "--socket", socket, ...args], { timeoutMs: 30_000 });
  let sleeperPid: number | null = null;
  try {
    const ps = await until("serve to start both agents (ps --json)", 15_000, async () => {
      if (serve.exitCode !== null) throw new ReleaseError(`serve exited ${serve.exitCode} before answering:\n${await serveLog}`);
      const ran = await client("ps");
      if (ran.code !== 0) return null;
      const data = (JSON.parse(ran.stdout) as { status: string; data: PsData }).data;
      const status = Object.fromEntries(data.agents.map((row) => [row.name, row.status]));
      return status.Sleeper === "running" && status.Once === "completed" ? data : null;
    });
    const names = ps.agents.map((row) => row.name).sort();
    if (names.join() !== "Once,Sleeper") throw new ReleaseError(`ps --json listed agents [${names.join(", ")}], expected [Once, Sleeper]`);
    sleeperPid = ps.agents.find((row) => row.name === "Sleeper")?.pid ?? null;
    if (sleeperPid === null || !alive(sleeperPid)) throw new ReleaseError(`ps --json gave Sleeper the pid ${sleeperPid}, which is not a live process`);

    const shutdown = await client("shutdown", "--wait");
    const answer = shutdown.code === 0 ? (JSON.parse(shutdown.stdout) as { status: string; data: { action?: string } }) : null;
    if (answer?.status !== "success" || answer.data.action !== "shutdown_initiated") {
      throw new ReleaseError(`shutdown --json --wait exited ${shutdown.code} and said:\n${shutdown.stdout}${shutdown.stderr}`);
    }
    let timer: Timer | undefined;
    const code = await Promise.race([serve.exited, new Promise<string>((done) => (timer = setTimeout(done, 20_000, "still running")))]);
    clearTimeout(timer);
    if (code !== 0)
      throw new ReleaseError(`after shutdown, serve ${code === "still running" ? "was still running 20 s later" : `exited ${code}`}:\n${await serveLog}`);
    if (alive(sleeperPid)) throw new ReleaseError(`Sleeper (pid ${sleeperPid}) outlived serve's shutdown`);
    if (existsSync(socket)) throw new ReleaseError(`serve left its socket file ${socket} behind`);
  } finally {
    // Only what this test started: serve by its pid, and the agent it reported.
    if (serve.exitCode === null) serve.kill("SIGKILL");
    if (sleeperPid !== null && alive(sleeperPid)) process.kill(sleeperPid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
