// The agent processes running now, on disk in <state_dir>/pids: pid, start time and instance of
// each, recorded when it starts and struck off when it has exited. If serve is killed, the next
// serve reads them to find the groups left behind, even of agents that cleared their environment.
//
// One append-only file per serve, <instance>.log, a JSON line per start ({agent, pid, start_ticks,
// instance}) or exit ({agent, pid, exited: true}), compacted now and then. A file per agent,
// created at each start and deleted at each exit, cost ~25 ms of a start of 500 agents and most
// of that again at their stop (ext4 inode creation, measured). The lines of one turn of the event
// loop go out in one write, one turn after the spawns: reading /proc/<pid>/stat while a child is
// still in its exec waits for the exec (~0.3 ms each, measured), which serialised a start of many
// agents. A killed serve's death guard ends the groups meanwhile (system/death-guard.ts), and
// descendants carry the instance id (leftovers.ts). `<agent>.json` files holding one record are read too.

import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTicks } from "./procfs.ts";

export interface PidRecord {
  agent: string;
  /** Also the process group id: each agent leads its own group. */
  pid: number;
  start_ticks: number;
  instance: string;
}

interface ExitLine {
  agent: string;
  pid: number;
  exited: true;
}

/** Lines beyond this many per live record (plus a floor) and the file is rewritten with the live ones only. */
const COMPACT_FACTOR = 4;
const COMPACT_FLOOR = 256;

export class PidRecords {
  private readonly dir: string;
  /** Recorded on disk (or about to be, once `pending` is written): agent → its process. */
  private readonly live = new Map<string, PidRecord>();
  /** Starts and exits of this turn, in order; a start's start_ticks is read when it is written. */
  private pending: Array<PidRecord | ExitLine> = [];
  private flushing: ReturnType<typeof setImmediate> | null = null;
  private file: string | null = null;
  private lines = 0;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "pids");
  }

  /** Best effort: a full disk must not stop an agent from running, only weaken the cleanup after a crash. */
  add(agent: string, pid: number, instance: string): void {
    this.file ??= join(this.dir, `${instance}.log`);
    const record: PidRecord = { agent, pid, start_ticks: 0, instance };
    this.live.set(agent, record);
    this.pending.push(record);
    this.flushing ??= setImmediate(() => this.flush());
  }

  remove(agent: string): void {
    const record = this.live.get(agent);
    if (!record) return;
    this.live.delete(agent);
    const unwritten = this.pending.indexOf(record);
    // Gone before its start was written: nothing on disk to strike off.
    if (unwritten !== -1) this.pending.splice(unwritten, 1);
    else this.pending.push({ agent, pid: record.pid, exited: true });
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Writes this turn's starts and exits. */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    if (this.pending.length === 0 || this.file === null) return;
    for (const line of this.pending) if (!("exited" in line)) line.start_ticks = startTicks(line.pid) ?? 0;
    const text = this.pending.map((line) => `${JSON.stringify(line)}\n`).join("");
    this.lines += this.pending.length;
    this.pending = [];
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (this.lines > COMPACT_FACTOR * this.live.size + COMPACT_FLOOR) this.compact();
      else appendFileSync(this.file, text, { mode: 0o600 });
    } catch {
      // see add()
    }
  }

  /** What a previous serve left; unreadable or foreign files and lines are skipped. */
  readAll(): PidRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const records: PidRecord[] = [];
    for (const name of names) {
      let text: string;
      try {
        text = readFileSync(join(this.dir, name), "utf8");
      } catch {
        continue;
      }
      // A log's lines are replayed: a start records its agent, the exit of that pid strikes it off.
      const replayed = new Map<string, PidRecord>();
      for (const line of text.split("\n")) {
        const entry = parse(line);
        if (entry === null) continue;
        if ("exited" in entry) {
          if (replayed.get(entry.agent)?.pid === entry.pid) replayed.delete(entry.agent);
        } else replayed.set(entry.agent, entry);
      }
      records.push(...replayed.values());
    }
    return records;
  }

  clear(): void {
    this.live.clear();
    this.pending = [];
    this.lines = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The live records only, replacing the file at once (rename), so a crash leaves the old file or the new one. */
  private compact(): void {
    const file = this.file as string;
    const text = [...this.live.values()].map((record) => `${JSON.stringify(record)}\n`).join("");
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    this.lines = this.live.size;
  }
}

function parse(line: string): PidRecord | ExitLine | null {
  if (line.trim() === "") return null;
  try {
    const entry = JSON.parse(line) as Partial<PidRecord & ExitLine>;
    if (typeof entry.agent !== "string" || !Number.isInteger(entry.pid) || (entry.pid as number) <= 1) return null;
    if (entry.exited === true) return entry as ExitLine;
    if (Number.isInteger(entry.start_ticks) && typeof entry.instance === "string") return entry as PidRecord;
    return null;
  } catch {
    return null;
  }
}
