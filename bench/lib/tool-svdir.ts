// s6 and runit under test (Debian packages `s6`, `runit`): a scan directory with one service
// directory per agent (`run` = `exec sleep 86400`), our own s6-svscan / runsvdir on it (never the
// system's), the status channel each service's supervise/ files (what s6-svstat and sv read),
// one s6-supervise or runsv per service. Their memory is PSS summed over that whole tree.

import type { Subprocess } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { childrenOf, killPid, mustRun, reaped, timedRun, waitFor, within } from "./measure.ts";
import { markedProcesses } from "./procfs.ts";
import { AGENT_COMMAND, agentNames, MARKER_ENV, removeLater, type Tool, type ToolRun } from "./tool.ts";
import { installQuietly } from "./tool-supervisord.ts";

type Flavour = "s6" | "runit";

class SvdirRun implements ToolRun {
  readonly memoryKind = "PSS";
  readonly dir = mkdtempSync("/tmp/pyob-sv-");
  readonly scan = join(this.dir, "scan");
  readonly names: string[];
  readonly statusCommand;
  private scanner: Subprocess<"ignore", "ignore", "ignore"> | null = null;

  constructor(
    private readonly flavour: Flavour,
    private readonly n: number,
    private readonly marker: string,
  ) {
    this.names = agentNames(n);
    mkdirSync(this.scan);
    for (const name of this.names) {
      mkdirSync(join(this.scan, name));
      writeFileSync(join(this.scan, name, "run"), `#!/bin/sh\nexport ${MARKER_ENV}=${marker}\nexec ${AGENT_COMMAND.join(" ")}\n`, { mode: 0o755 });
    }
    const first = join(this.scan, this.names[0] as string);
    this.statusCommand =
      flavour === "s6"
        ? { argv: ["s6-svstat", first], env: process.env, note: "s6-svstat reads one service" }
        : { argv: ["sv", "status", ...this.names.map((name) => join(this.scan, name))], env: process.env };
  }

  /** The scanner and each service's supervisor (s6-supervise / runsv): the supervision tree without the agents. */
  supervisorPids(): number[] {
    if (!this.scanner) return [];
    return [this.scanner.pid, ...childrenOf(this.scanner.pid)];
  }

  async launch(): Promise<void> {
    const argv = this.flavour === "s6" ? ["s6-svscan", "-c", String(Math.max(1000, this.n * 2)), this.scan] : ["runsvdir", "-P", this.scan];
    this.scanner = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  }

  /** The agent's pid as its supervisor reports it (0 when down). */
  pidOf(name: string): number {
    const supervise = join(this.scan, name, "supervise");
    try {
      if (this.flavour === "s6") {
        // s6's status file: tain stamp (12), ready stamp (12), pid (8, big endian), pgid (8), wstat (2), flags (1).
        const status = readFileSync(join(supervise, "status"));
        return status.length >= 32 ? Number(status.readBigUInt64BE(24)) : 0;
      }
      if (readFileSync(join(supervise, "stat"), "latin1").trim() !== "run") return 0;
      return Number(readFileSync(join(supervise, "pid"), "latin1").trim()) || 0;
    } catch {
      return 0;
    }
  }

  async allRunning(): Promise<boolean> {
    return this.names.every((name) => this.pidOf(name) > 0);
  }

  async agentPids(): Promise<Map<string, number>> {
    return new Map(this.names.map((name) => [name, this.pidOf(name)] as const).filter(([, pid]) => pid > 0));
  }

  /** The service's own supervisor (s6-supervise / runsv), whose child the agent is. */
  agentParent(name: string): number {
    const pid = this.pidOf(name);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return 0;
    }
  }

  async stopAll(): Promise<void> {
    const services = this.names.map((name) => join(this.scan, name));
    if (this.flavour === "runit") {
      await timedRun(["sv", "down", ...services], process.env, 120_000);
      return;
    }
    // s6-svc takes one service directory: the whole tree's "down" is s6-svscanctl's -t (services
    // down, supervisors and scanner exit), the counterpart of pyorchestrate's shutdown.
    await timedRun(["s6-svscanctl", "-t", this.scan], process.env, 120_000);
  }

  async teardown(): Promise<void> {
    const scanner = this.scanner;
    const supervisors = scanner ? childrenOf(scanner.pid) : [];
    if (scanner && scanner.exitCode === null && scanner.signalCode === null) {
      if (this.flavour === "s6") await timedRun(["s6-svscanctl", "-t", this.scan], process.env, 30_000);
      // runsvdir on SIGHUP sends TERM to every runsv, which brings its service down and exits.
      else killPid(scanner.pid, "SIGHUP");
      const gone = await within(scanner.exited, 15_000);
      if (!gone) killPid(scanner.pid);
    }
    await waitFor("the supervisors to exit", () => supervisors.every(reaped), 10_000, 20).catch(() => {
      for (const pid of supervisors) killPid(pid);
    });
    for (const leftover of markedProcesses(MARKER_ENV, this.marker)) killPid(leftover.pid);
    removeLater(this.dir);
  }
}

export class Svdir implements Tool {
  version = "?";

  constructor(readonly name: Flavour) {}

  async prepare(): Promise<void> {
    const program = this.name === "s6" ? "s6-svscan" : "runsvdir";
    if (!Bun.which(program)) await installQuietly(this.name);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Version} is dpkg-query's own format field, not a JavaScript template
    const dpkg = await mustRun(["dpkg-query", "-W", "-f", "${Version}", this.name]).catch(() => null);
    this.version = dpkg?.stdout.trim() || "?";
  }

  create(n: number, marker: string): ToolRun {
    return new SvdirRun(this.name, n, marker);
  }
}
