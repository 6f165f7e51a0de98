// pyorchestrate under test: the compiled binary, `serve` with a generated config, its status
// channel a long-lived NDJSON session (bench/lib/session.ts), `ps --json` as the fresh CLI.

import type { Subprocess } from "bun";
import { closeSync, existsSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { killPid, mustRun, waitFor, within } from "./measure.ts";
import { markedProcesses } from "./procfs.ts";
import { Session } from "./session.ts";
import { AGENT_COMMAND, agentNames, MARKER_ENV, removeLater, type Tool, type ToolRun } from "./tool.ts";

/** The binary under test; PYO_BENCH_BINARY points at another build (a profiling one, an older one). */
export const BINARY = process.env.PYO_BENCH_BINARY ?? resolve(import.meta.dir, "../../build/pyorchestrate");

/** `extraToml`: tables added after [orchestrator] ([http] for the scrape measurement). */
export function configToml(dir: string, n: number, marker: string, extraToml = ""): string {
  const lines = [
    "[orchestrator]",
    `name = "bench"`,
    `command_socket_path = "${join(dir, "s.sock")}"`,
    `state_dir = "${join(dir, "state")}"`,
    "shutdown_timeout = 60",
    "",
    extraToml,
  ];
  for (const name of agentNames(n)) {
    lines.push(`[agents.${name}]`, `command = ${JSON.stringify(AGENT_COMMAND)}`, `env = { ${MARKER_ENV} = "${marker}" }`, "");
  }
  return lines.join("\n");
}

export class PyorchestrateRun implements ToolRun {
  readonly memoryKind = "RSS";
  readonly dir = mkdtempSync("/tmp/pyob-");
  readonly socket = join(this.dir, "s.sock");
  readonly statusCommand;
  readonly baselineCommand = { argv: [BINARY, "--version"], env: process.env };
  serve: Subprocess<"ignore", "ignore", number> | null = null;
  private session: Session | null = null;
  private readonly config = join(this.dir, "bench.toml");

  constructor(
    private readonly n: number,
    private readonly marker: string,
    private readonly extraEnv: Record<string, string> = {},
    extraToml = "",
  ) {
    writeFileSync(this.config, configToml(this.dir, n, marker, extraToml));
    this.statusCommand = { argv: [BINARY, "ps", "--socket", this.socket, "--json"], env: { ...process.env, NO_COLOR: "1" } };
  }

  supervisorPids(): number[] {
    return this.serve ? [this.serve.pid] : [];
  }

  async launch(): Promise<void> {
    // serve's log lines (one per agent start) go to a file, as they would to a journal.
    const log = openSync(join(this.dir, "serve.log"), "a");
    this.serve = Bun.spawn([BINARY, "serve", this.config], {
      env: { ...process.env, ...this.extraEnv },
      stdin: "ignore",
      stdout: "ignore",
      stderr: log,
    });
    closeSync(log);
  }

  /** The session, once the socket answers; null before. */
  async connect(): Promise<Session | null> {
    if (this.session && !this.session.closed) return this.session;
    if (!existsSync(this.socket)) return null;
    try {
      this.session = await Session.open(this.socket);
      return this.session;
    } catch {
      return null;
    }
  }

  /**
   * Closes the status session: while any client holds a connection, Bun's socket layer wakes serve
   * every second (bench/FOOTPRINT.md), which an idle window must not count as serve's own.
   */
  quiesce(): void {
    this.disconnect();
  }

  disconnect(): void {
    this.session?.close();
    this.session = null;
  }

  async allRunning(): Promise<boolean> {
    const session = await this.connect();
    if (!session) return false;
    const answer = await session.request("ps", {}, 30_000);
    if (answer.status !== "success") return false;
    const agents = answer.data.agents;
    return agents.length === this.n && agents.every((agent) => agent.status === "running" && agent.pid !== null);
  }

  async agentPids(): Promise<Map<string, number>> {
    const session = await waitFor("the socket", () => this.connect(), 30_000, 5);
    const answer = await session.request("ps", {}, 30_000);
    if (answer.status !== "success") throw new Error(`ps: ${answer.error.message}`);
    return new Map(answer.data.agents.filter((agent) => agent.pid !== null).map((agent) => [agent.name, agent.pid as number]));
  }

  agentParent(): number {
    return this.serve?.pid ?? 0;
  }

  async stopAll(): Promise<void> {
    this.session?.close();
    this.session = null;
    // The only "stop everything" pyorchestrate has: shutdown (agents, then serve itself).
    await mustRun([BINARY, "shutdown", "--socket", this.socket, "--json"], { ...process.env, NO_COLOR: "1" }, 120_000);
  }

  async teardown(): Promise<void> {
    this.session?.close();
    this.session = null;
    const serve = this.serve;
    if (serve && serve.exitCode === null && serve.signalCode === null) {
      killPid(serve.pid, "SIGTERM");
      const gone = await within(serve.exited, 20_000);
      if (!gone) killPid(serve.pid, "SIGKILL");
      await serve.exited;
    }
    for (const leftover of markedProcesses(MARKER_ENV, this.marker)) killPid(leftover.pid);
    removeLater(this.dir);
  }
}

export class Pyorchestrate implements Tool {
  readonly name = "pyorchestrate";
  version = "?";

  async prepare(): Promise<void> {
    if (!existsSync(BINARY)) {
      process.stderr.write(`${BINARY} is missing: npm run build\n`);
      await mustRun(["npm", "run", "build"], process.env, 300_000);
    }
    this.version = (await mustRun([BINARY, "--version"])).stdout.trim();
  }

  create(n: number, marker: string): PyorchestrateRun {
    return new PyorchestrateRun(n, marker);
  }
}
