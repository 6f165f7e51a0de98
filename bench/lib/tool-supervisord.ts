// supervisord (Debian package `supervisor`) under test: our own supervisord in the foreground
// with a temporary config (never the system service), its status channel XML-RPC on its UNIX
// socket, `supervisorctl status` as the fresh CLI.

import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killPid, mustRun, timedRun, within } from "./measure.ts";
import { markedProcesses } from "./procfs.ts";
import { AGENT_COMMAND, agentNames, MARKER_ENV, removeLater, type Tool, type ToolRun } from "./tool.ts";

export interface RpcProcess {
  name: string;
  statename: string;
  pid: number;
}

class SupervisordRun implements ToolRun {
  readonly memoryKind = "RSS";
  readonly dir = mkdtempSync("/tmp/pyob-sv-");
  readonly socket = join(this.dir, "s.sock");
  readonly config = join(this.dir, "supervisord.conf");
  readonly statusCommand;
  private daemon: Subprocess<"ignore", "ignore", "ignore"> | null = null;

  constructor(
    private readonly n: number,
    private readonly marker: string,
  ) {
    const lines = [
      "[unix_http_server]",
      `file = ${this.socket}`,
      "[supervisord]",
      `logfile = ${join(this.dir, "supervisord.log")}`,
      `pidfile = ${join(this.dir, "supervisord.pid")}`,
      `childlogdir = ${this.dir}`,
      "nodaemon = true",
      // 500 agents hold two pipes and two log files each.
      "minfds = 4096",
      "[rpcinterface:supervisor]",
      "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
      "[supervisorctl]",
      `serverurl = unix://${this.socket}`,
    ];
    for (const name of agentNames(n)) {
      lines.push(
        `[program:${name}]`,
        `command = ${AGENT_COMMAND.join(" ")}`,
        "autorestart = true",
        // Running = spawned, as for the other tools (the default, 1, adds a second to every start).
        "startsecs = 0",
        `environment = ${MARKER_ENV}="${marker}"`,
      );
    }
    writeFileSync(this.config, `${lines.join("\n")}\n`);
    this.statusCommand = { argv: ["supervisorctl", "-c", this.config, "status"], env: process.env };
  }

  supervisorPids(): number[] {
    return this.daemon ? [this.daemon.pid] : [];
  }

  async launch(): Promise<void> {
    this.daemon = Bun.spawn(["supervisord", "-n", "-c", this.config], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  }

  /** supervisor.getAllProcessInfo over the socket (what supervisorctl uses). */
  async processes(): Promise<RpcProcess[]> {
    const response = await fetch("http://localhost/RPC2", {
      unix: this.socket,
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: `<?xml version="1.0"?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>`,
    });
    return parseProcessInfo(await response.text());
  }

  async allRunning(): Promise<boolean> {
    const processes = await this.processes();
    return processes.length === this.n && processes.every((process) => process.statename === "RUNNING" && process.pid > 0);
  }

  async agentPids(): Promise<Map<string, number>> {
    return new Map((await this.processes()).filter((process) => process.statename === "RUNNING").map((process) => [process.name, process.pid]));
  }

  agentParent(): number {
    return this.daemon?.pid ?? 0;
  }

  async stopAll(): Promise<void> {
    // `stop all` answers once every program is stopped (it waits on each).
    await timedRun(["supervisorctl", "-c", this.config, "stop", "all"], process.env, 180_000);
  }

  async teardown(): Promise<void> {
    const daemon = this.daemon;
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      // SIGTERM: supervisord stops its programs and exits.
      killPid(daemon.pid, "SIGTERM");
      const gone = await within(daemon.exited, 30_000);
      if (!gone) killPid(daemon.pid, "SIGKILL");
      await daemon.exited;
    }
    for (const leftover of markedProcesses(MARKER_ENV, this.marker)) killPid(leftover.pid);
    removeLater(this.dir);
  }
}

/** The array of structs getAllProcessInfo answers: name, statename and pid of each. */
export function parseProcessInfo(xml: string): RpcProcess[] {
  const processes: RpcProcess[] = [];
  for (const struct of xml.split("<struct>").slice(1)) {
    const member = (key: string) => new RegExp(`<name>${key}</name>\\s*<value>\\s*(?:<(?:string|int|i4)>)?([^<]*)`).exec(struct)?.[1] ?? "";
    processes.push({ name: member("name"), statename: member("statename"), pid: Number(member("pid")) });
  }
  return processes;
}

const POLICY = "/usr/sbin/policy-rc.d";

/**
 * apt-get install of a package that ships a system service, without that service being started:
 * Debian's policy-rc.d answering 101 ("action forbidden") for the duration of the install, when
 * the machine does not already have one. The bench runs its own daemons; it never starts or stops
 * the system's.
 */
export async function installQuietly(...packages: string[]): Promise<void> {
  if (!Bun.which("apt-get")) throw new Error(`${packages.join(", ")}: not installed, and no apt-get to install it with`);
  process.stderr.write(`installing ${packages.join(", ")} (apt-get; its system service is kept from starting)\n`);
  const ownPolicy = !existsSync(POLICY);
  if (ownPolicy) writeFileSync(POLICY, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
  try {
    await mustRun(["apt-get", "install", "-y", "--no-install-recommends", ...packages], { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, 300_000);
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
  }
}

export class Supervisord implements Tool {
  readonly name = "supervisord";
  version = "?";

  async prepare(): Promise<void> {
    if (!Bun.which("supervisord")) await installQuietly("supervisor");
    this.version = (await mustRun(["supervisord", "--version"])).stdout.trim();
  }

  create(n: number, marker: string): ToolRun {
    return new SupervisordRun(n, marker);
  }
}
