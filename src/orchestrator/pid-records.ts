// A file per running agent process in <state_dir>/pids: pid, start time and instance, written when
// the process starts and removed when it has exited. If serve is killed, the next serve reads them
// to find the groups left behind, even of agents that cleared their environment.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTicks } from "./procfs.ts";

export interface PidRecord {
  agent: string;
  /** Also the process group id: each agent leads its own group. */
  pid: number;
  start_ticks: number;
  instance: string;
}

export class PidRecords {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "pids");
  }

  /** Best effort: a full disk must not stop an agent from running, only weaken the cleanup after a crash. */
  add(agent: string, pid: number, instance: string): void {
    const record: PidRecord = { agent, pid, start_ticks: startTicks(pid) ?? 0, instance };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(this.file(agent), `${JSON.stringify(record)}\n`, { mode: 0o600 });
    } catch {
      // see above
    }
  }

  remove(agent: string): void {
    rmSync(this.file(agent), { force: true });
  }

  /** What a previous serve left; unreadable or foreign files are skipped. */
  readAll(): PidRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const records: PidRecord[] = [];
    for (const name of names) {
      try {
        const record = JSON.parse(readFileSync(join(this.dir, name), "utf8")) as PidRecord;
        if (Number.isInteger(record.pid) && record.pid > 1 && Number.isInteger(record.start_ticks) && typeof record.instance === "string") {
          records.push(record);
        }
      } catch {
        // not a record
      }
    }
    return records;
  }

  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private file(agent: string): string {
    return join(this.dir, `${agent}.json`);
  }
}
