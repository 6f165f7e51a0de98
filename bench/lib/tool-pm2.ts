// pm2 under test: installed with npm into a temporary directory (never a project dependency),
// every command with its own temporary PM2_HOME, `pm2 start <ecosystem>` to launch, a long-lived
// Node client (pm2-helper.cjs) as the status channel, `pm2 jlist` as the fresh CLI. Its daemon
// is not our child (pm2 daemonizes it): it is found by PM2_HOME/pm2.pid and ended by that pid.

import type { Subprocess } from "bun";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { killPid, mustRun, reaped, timedRun, waitFor } from "./measure.ts";
import { markedProcesses } from "./procfs.ts";
import { AGENT_COMMAND, agentNames, MARKER_ENV, removeLater, type Tool, type ToolRun } from "./tool.ts";

/** Reused between bench runs ("installs or finds"); PYO_BENCH_PM2_DIR points elsewhere. */
const INSTALL_DIR = process.env.PYO_BENCH_PM2_DIR ?? join(tmpdir(), "pyorchestrate-bench-pm2");
const PM2_SPEC = "pm2@7";
const HELPER = resolve(import.meta.dir, "pm2-helper.cjs");

interface Pm2Process {
  name: string;
  status: string;
  pid: number;
}

class Pm2Run implements ToolRun {
  readonly memoryKind = "RSS";
  readonly dir = mkdtempSync("/tmp/pyob-pm2-");
  readonly home = join(this.dir, "home");
  readonly env: Record<string, string | undefined>;
  readonly statusCommand;
  private helper: Subprocess<"pipe", "pipe", "ignore"> | null = null;
  private answers: Array<(line: string) => void> = [];
  private daemonPid = 0;
  private starting: Promise<unknown> | null = null;

  constructor(
    private readonly pm2: string,
    private readonly n: number,
    private readonly marker: string,
  ) {
    mkdirSync(this.home);
    this.env = { ...process.env, PM2_HOME: this.home };
    const sleep = Bun.which(AGENT_COMMAND[0]) ?? AGENT_COMMAND[0];
    const apps = agentNames(n).map((name) => ({
      name,
      script: sleep,
      args: AGENT_COMMAND.slice(1).join(" "),
      interpreter: "none",
      autorestart: true,
      env: { [MARKER_ENV]: marker },
    }));
    writeFileSync(join(this.dir, "ecosystem.json"), JSON.stringify({ apps }));
    this.statusCommand = { argv: [this.bin, "jlist"], env: this.env };
  }

  private get bin(): string {
    return join(this.pm2, "..", ".bin", "pm2");
  }

  supervisorPids(): number[] {
    return this.daemon() ? [this.daemonPid] : [];
  }

  /** The God daemon's pid, once it has written it. */
  private daemon(): number {
    if (this.daemonPid === 0) {
      try {
        this.daemonPid = Number(readFileSync(join(this.home, "pm2.pid"), "utf8").trim()) || 0;
      } catch {
        // not yet
      }
    }
    return this.daemonPid;
  }

  async launch(): Promise<void> {
    // The helper first (Node and pm2's modules loaded), so polling starts the moment the daemon answers.
    this.helper = Bun.spawn(["node", HELPER, this.pm2], { env: this.env, stdin: "pipe", stdout: "pipe", stderr: "ignore" });
    void this.readAnswers(this.helper.stdout);
    this.starting = mustRun([this.bin, "start", join(this.dir, "ecosystem.json")], this.env, 180_000);
  }

  private async readAnswers(stdout: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let newline = rest.indexOf("\n");
      while (newline !== -1) {
        const line = rest.slice(0, newline);
        rest = rest.slice(newline + 1);
        if (line.startsWith("@@")) this.answers.shift()?.(line.slice(2));
        newline = rest.indexOf("\n");
      }
    }
  }

  private async list(): Promise<Pm2Process[]> {
    const helper = this.helper;
    if (!helper) throw new Error("pm2 helper not started");
    const line = await new Promise<string>((resolveAnswer) => {
      this.answers.push(resolveAnswer);
      helper.stdin.write(`${JSON.stringify({ op: "list" })}\n`);
      helper.stdin.flush();
    });
    const answer = JSON.parse(line) as { ok: boolean; processes?: Pm2Process[]; error?: string };
    if (!answer.ok || !answer.processes) throw new Error(`pm2 list: ${answer.error}`);
    return answer.processes;
  }

  async allRunning(): Promise<boolean> {
    const processes = await this.list();
    return processes.length === this.n && processes.every((p) => p.status === "online" && p.pid > 0);
  }

  async agentPids(): Promise<Map<string, number>> {
    await this.starting;
    return new Map((await this.list()).filter((p) => p.status === "online" && p.pid > 0).map((p) => [p.name, p.pid]));
  }

  agentParent(): number {
    return this.daemon();
  }

  async stopAll(): Promise<void> {
    await timedRun([this.bin, "stop", "all"], this.env, 300_000);
  }

  async teardown(): Promise<void> {
    await this.starting?.catch(() => {});
    this.helper?.stdin.end();
    if (this.helper) killPid(this.helper.pid, "SIGTERM");
    const daemon = this.daemon();
    if (daemon && !reaped(daemon)) {
      await timedRun([this.bin, "kill"], this.env, 120_000);
      await waitFor("the pm2 daemon to end", () => reaped(daemon) || isZombie(daemon), 10_000, 20).catch(() => killPid(daemon));
    }
    for (const leftover of markedProcesses(MARKER_ENV, this.marker)) killPid(leftover.pid);
    removeLater(this.dir);
  }
}

/** The daemon is not our child: once it exits, only its parent (init) can reap it. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

export class Pm2 implements Tool {
  readonly name = "pm2";
  version = "?";
  private pm2 = join(INSTALL_DIR, "node_modules", "pm2");

  async prepare(): Promise<void> {
    if (!Bun.which("node")) throw new Error("pm2 needs Node.js (node not found)");
    if (!existsSync(join(this.pm2, "package.json"))) {
      process.stderr.write(`installing ${PM2_SPEC} into ${INSTALL_DIR} (npm; not a project dependency)\n`);
      mkdirSync(INSTALL_DIR, { recursive: true });
      writeFileSync(join(INSTALL_DIR, "package.json"), `{"private": true}\n`);
      await mustRun(["npm", "install", "--prefix", INSTALL_DIR, "--no-audit", "--no-fund", "--loglevel=error", PM2_SPEC], process.env, 300_000);
    }
    // Read, not `pm2 --version`: any pm2 command without PM2_HOME would start a daemon in ~/.pm2.
    this.version = (JSON.parse(readFileSync(join(this.pm2, "package.json"), "utf8")) as { version: string }).version;
  }

  create(n: number, marker: string): ToolRun {
    return new Pm2Run(this.pm2, n, marker);
  }
}
