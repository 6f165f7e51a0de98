// The lifecycle's seams for unit tests: a clock whose time moves only when the test says, and a
// spawner whose processes exit only when the test (or a signal it allows) says. With them the
// real Orchestrator runs crash loops, schedules and shutdowns in milliseconds.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentConfig, Config, OrchestratorConfig } from "../../src/config/types.ts";
import type { AgentProcess, ExitInfo, SpawnOptions } from "../../src/orchestrator/agent-process.ts";
import { LaunchRefusedError } from "../../src/orchestrator/launch-identity.ts";
import { Orchestrator } from "../../src/orchestrator/orchestrator.ts";
import type { OutputLog } from "../../src/orchestrator/output-log.ts";
import type { NotifyPort } from "../../src/orchestrator/agent-notify.ts";
import type { Clock, Spawner, TimerHandle } from "../../src/orchestrator/ports.ts";

/** Lets every pending promise callback run (a macrotask turn drains the microtask queue). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface PendingTimer {
  handle: TimerHandle;
  at: number;
  order: number;
  fire: () => void;
}

export class FakeClock implements Clock {
  private time: number;
  private timers: PendingTimer[] = [];
  private order = 0;

  constructor(
    start = Date.parse("2026-01-05T10:00:00Z"),
    /** wallNow() − now(): what PYORCHESTRATE_FAKE_NOW would shift the schedule's clock by. */
    private readonly wallOffset = 0,
  ) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  wallNow(): number {
    return this.time + this.wallOffset;
  }

  setTimer(fire: () => void, delayMs: number): TimerHandle {
    const handle = { id: ++this.order };
    this.timers.push({ handle, at: this.time + Math.max(0, delayMs), order: this.order, fire });
    return handle;
  }

  clearTimer(handle: TimerHandle | null): void {
    this.timers = this.timers.filter((timer) => timer.handle !== handle);
  }

  /** Timers armed now, by the time (ms from now) each would fire. */
  pending(): number[] {
    return this.timers.map((timer) => timer.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.fire();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };

export class FakeProcess implements AgentProcess {
  readonly ended: Promise<ExitInfo>;
  readonly exited: Promise<ExitInfo>;
  readonly signals: string[] = [];
  private readonly resolveExit: (info: ExitInfo) => void;
  private gone = false;
  private output: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(
    readonly pid: number,
    readonly startedAt: number,
    readonly agent: string,
    /** Ignores its stop signal: only SIGKILL ends it. */
    private readonly stubborn: boolean,
    /** What serve added to this run's environment (SpawnOptions.env). */
    readonly env: Record<string, string>,
  ) {
    const exit = Promise.withResolvers<ExitInfo>();
    this.ended = exit.promise;
    this.resolveExit = exit.resolve;
    this.exited = this.ended.then((info) => info);
  }

  get alive(): boolean {
    return !this.gone;
  }

  /** Its stdout, as the agent's log (and a log check) reads it. */
  stdout(): ReadableStream<Uint8Array> {
    return new ReadableStream({
      start: (controller) => {
        this.output = controller;
      },
    });
  }

  /** The program prints `line` on stdout. */
  print(line: string): void {
    this.output?.enqueue(new TextEncoder().encode(`${line}\n`));
  }

  /** The program ends by itself with `code`. */
  exit(code: number): void {
    this.finish({ code, signal: null, status: code });
  }

  signalGroup(signal: NodeJS.Signals | number): boolean {
    if (this.gone) return false;
    const name = String(signal);
    this.signals.push(name);
    if (name === "SIGKILL" || !this.stubborn) this.finish({ code: null, signal: name, status: 128 + (SIGNAL_NUMBERS[name] ?? 0) });
    return true;
  }

  private finish(info: ExitInfo): void {
    if (this.gone) return;
    this.gone = true;
    this.output?.close();
    this.resolveExit(info);
  }
}

export class FakeSpawner implements Spawner {
  readonly spawned: FakeProcess[] = [];
  /** Agents whose processes ignore their stop signal. */
  readonly stubborn = new Set<string>();
  /** Agents whose program is missing (spawn throws), or whose account is refused (LaunchRefusedError). */
  readonly missing = new Set<string>();
  readonly refused = new Set<string>();
  private nextPid = 1000;

  constructor(private readonly clock: Clock) {}

  spawn(config: AgentConfig, log: OutputLog, options: SpawnOptions): AgentProcess {
    if (this.refused.has(config.name)) throw new LaunchRefusedError(`user 'nobody': refused`);
    if (this.missing.has(config.name)) throw new Error(`ENOENT: no such executable: '${config.command[0]}'`);
    const child = new FakeProcess(this.nextPid++, this.clock.now(), config.name, this.stubborn.has(config.name), options.env ?? {});
    this.spawned.push(child);
    log.drain(child.stdout(), "stdout");
    return child;
  }

  /** Every process of `agent`, oldest first. */
  of(agent: string): FakeProcess[] {
    return this.spawned.filter((child) => child.agent === agent);
  }

  /** The agent's live process; throws when it has none. */
  live(agent: string): FakeProcess {
    const child = this.of(agent).find((process) => process.alive);
    if (!child) throw new Error(`${agent} has no live process`);
    return child;
  }

  /** Processes alive now, by agent name. */
  running(): string[] {
    return this.spawned.filter((child) => child.alive).map((child) => child.agent);
  }
}

export interface FakeWorld extends AsyncDisposable {
  orchestrator: Orchestrator;
  clock: FakeClock;
  spawner: FakeSpawner;
  /** The recorded event types (optionally of one agent), oldest first. */
  types(agent?: string): string[];
}

/** A real Orchestrator on a fake clock and fake processes, over a throwaway state_dir. */
/** A notify receiver that only remembers which sockets are open; tests deliver datagrams with notified(). */
export class FakeNotifyPort implements NotifyPort {
  readonly open_ = new Map<string, string>();
  open(key: string, path: string): void {
    this.open_.set(key, path);
  }
  close(key: string): void {
    this.open_.delete(key);
  }
}

export function fakeWorld(
  agents: AgentConfig[],
  orchestrator: Partial<OrchestratorConfig> = {},
  clock = new FakeClock(),
  notify: NotifyPort | null = new FakeNotifyPort(),
): FakeWorld {
  const dir = mkdtempSync(join(tmpdir(), "lifecycle-"));
  const spawner = new FakeSpawner(clock);
  const config: Config = {
    path: join(dir, "pyorchestrate.toml"),
    orchestrator: {
      name: "test",
      enable_command_interface: false,
      command_socket_path: join(dir, "s.sock"),
      command_socket_permissions: 0o600,
      command_socket_group: null,
      max_workers: 0,
      allowed_commands: "all",
      blocked_commands: [],
      command_timeout: 30,
      shutdown_timeout: 60,
      state_dir: dir,
      history_capacity: 10_000,
      log_max_size: 0,
      log_keep: 1,
      ...orchestrator,
    },
    agents,
  };
  // A fake process is its own tree: only its own pid counts as the run's.
  const inRun = (pid: number, leader: number) => pid === leader;
  const instance = new Orchestrator(config, { clock, spawner, spawnPrefix: [], instance: crypto.randomUUID(), notify, inRun });
  return {
    orchestrator: instance,
    clock,
    spawner,
    types: (agent) =>
      instance.events
        .all()
        .filter((event) => agent === undefined || event.agent === agent)
        .map((event) => event.type),
    async [Symbol.asyncDispose]() {
      await Promise.all(instance.list().map((runtime) => runtime.log.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
