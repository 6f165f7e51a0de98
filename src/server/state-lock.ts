// One serve per state_dir: a lock file naming the serve that owns it and the instance id its
// agents carry, so the next serve can tell a live owner from one that was killed.

import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { startTicks } from "../orchestrator/procfs.ts";

export interface StateLock {
  /** The instance id of a previous serve that did not exit cleanly, if any. */
  previous: { pid: number; instance: string } | null;
  release(): void;
}

interface LockRecord {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22): tells a reused pid apart. */
  start_ticks: number;
  instance: string;
  started_at: string;
}

export class StateDirBusyError extends Error {
  override name = "StateDirBusyError";
}

export function acquireStateLock(stateDir: string, instance: string): StateLock {
  const path = join(stateDir, "serve.lock");
  let previous: StateLock["previous"] = null;
  const existing = readRecord(path);
  if (existing) {
    if (startTicks(existing.pid) === existing.start_ticks) {
      throw new StateDirBusyError(`another serve (pid ${existing.pid}) is using state_dir ${stateDir}; stop it first or choose another state_dir`);
    }
    previous = { pid: existing.pid, instance: existing.instance };
    unlinkSync(path);
  }
  const record: LockRecord = {
    pid: process.pid,
    start_ticks: startTicks(process.pid) ?? 0,
    instance,
    started_at: new Date().toISOString(),
  };
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch {
    throw new StateDirBusyError(`another serve took state_dir ${stateDir} at the same moment`);
  }
  writeSync(fd, `${JSON.stringify(record)}\n`);
  closeSync(fd);
  return {
    previous,
    release() {
      if (readRecord(path)?.instance === instance) unlinkSync(path);
    },
  };
}

function readRecord(path: string): LockRecord | null {
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as LockRecord;
    return typeof record.pid === "number" && typeof record.instance === "string" ? record : null;
  } catch {
    return null;
  }
}
