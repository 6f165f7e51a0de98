// One agent's log file on disk: appends written in order by a single writer, rotation by size
// between appends, and a bounded queue that readers wait on (backpressure).

import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writev } from "node:fs";
import { dirname } from "node:path";

export interface LogRotation {
  /** Rotate once the file holds this many bytes; 0 = never. */
  maxBytes: number;
  /** Rotated files kept beside the current one: <path>.1 (newest) … <path>.<keep>. */
  keep: number;
}

/** Queued bytes above which readers should wait (room()) before handing over more. */
const HIGH_WATER = 1024 * 1024;
/** Most buffers handed to one writev(2) (IOV_MAX is 1024 on Linux). */
const MAX_IOV = 512;
const ROTATE = Symbol("rotate");

/** In the queue: bytes to append, a rotation, or a close that resolves once all before it is written. */
type Item = Uint8Array | typeof ROTATE | { closed: () => void };

export class LogFile {
  /** Bytes the disk refused (full, gone): counted, since they cannot be kept. */
  droppedBytes = 0;
  private fd: number | null = null;
  /** Bytes in the current file, those still queued included. */
  private size = 0;
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private pumpRunning = false;
  private readonly roomWaiters: Array<() => void> = [];

  constructor(
    readonly path: string,
    private readonly rotation: LogRotation,
  ) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch {
      // counted as dropped bytes when the file cannot be opened either
    }
    // The file is opened (created) by the first write, not here: an agent that prints nothing costs
    // no file and no descriptor, and each descriptor serve holds makes every later spawn dearer.
    // Appending to what an earlier serve left: those bytes count toward the first rotation.
    this.size = sizeOf(path);
  }

  /** Queues bytes for the current file; the caller must not change them afterwards. */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.queuedBytes += bytes.length;
    this.size += bytes.length;
    this.push(bytes);
  }

  /** Whether `more` bytes would bring the current file to its rotation size. */
  reaches(more: number): boolean {
    return this.rotation.maxBytes > 0 && this.size + more >= this.rotation.maxBytes;
  }

  /** Starts a new file after everything queued so far. */
  rotate(): void {
    this.size = 0;
    this.push(ROTATE);
  }

  get full(): boolean {
    return this.queuedBytes > HIGH_WATER;
  }

  /** Resolves when the queue is back under half the high-water mark. */
  room(): Promise<void> {
    if (this.queuedBytes <= HIGH_WATER / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Resolves once everything queued so far is on disk (or refused by it) and the file is closed;
   * bytes appended later (a stray descendant's) reopen it.
   */
  close(): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.push({ closed: resolve });
    return promise;
  }

  private push(item: Item): void {
    this.queue.push(item);
    if (this.pumpRunning) return;
    this.pumpRunning = true;
    void this.pump();
  }

  /** Writes the queue in order; a rotation runs once everything before it is in the old file. */
  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const first = this.queue[0];
        if (!(first instanceof Uint8Array)) {
          this.queue.shift();
          if (first === ROTATE) this.rotateNow();
          else {
            this.closeFile();
            first?.closed();
          }
          continue;
        }
        let count = 0;
        while (count < this.queue.length && count < MAX_IOV && this.queue[count] instanceof Uint8Array) count++;
        const buffers = this.queue.splice(0, count) as Uint8Array[];
        const bytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
        if (this.fd === null) this.open();
        const written = this.fd !== null && (await writeAll(this.fd, buffers, bytes));
        if (!written) this.droppedBytes += bytes;
        this.queuedBytes -= bytes;
        if (this.queuedBytes <= HIGH_WATER / 2) for (const wake of this.roomWaiters.splice(0)) wake();
      }
    } finally {
      // Cleared in the same turn as the last look at the queue, so nothing queued meanwhile is stranded.
      this.pumpRunning = false;
    }
  }

  /** <path>.(k) → .(k+1) from the oldest kept down, <path> → .1, then a fresh <path>. */
  private rotateNow(): void {
    const { keep } = this.rotation;
    this.closeFile();
    const numbered = (k: number) => `${this.path}.${k}`;
    // Files beyond `keep` (left by a larger keep earlier) go first, so none lingers.
    for (let k = keep + 1; existsSync(numbered(k)); k++) removeQuietly(numbered(k));
    for (let k = keep - 1; k >= 1; k--) renameQuietly(numbered(k), numbered(k + 1));
    renameQuietly(this.path, numbered(1));
    this.open();
  }

  private closeFile(): void {
    if (this.fd !== null) closeQuietly(this.fd);
    this.fd = null;
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, "a", 0o600);
    } catch {
      this.fd = null;
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** writev(2) until every byte is written; false when the disk refused them. */
async function writeAll(fd: number, buffers: Uint8Array[], bytes: number): Promise<boolean> {
  let rest = buffers;
  let left = bytes;
  while (left > 0) {
    const written = await new Promise<number>((resolve) => {
      try {
        writev(fd, rest, (error, n) => resolve(error ? -1 : n));
      } catch {
        resolve(-1);
      }
    });
    if (written <= 0) return false;
    left -= written;
    rest = skip(rest, written);
  }
  return true;
}

/** The buffers after the first `count` bytes. */
function skip(buffers: Uint8Array[], count: number): Uint8Array[] {
  let index = 0;
  while (index < buffers.length && count >= (buffers[index]?.length ?? 0)) count -= buffers[index++]?.length ?? 0;
  const rest = buffers.slice(index);
  if (count > 0 && rest[0]) rest[0] = rest[0].subarray(count);
  return rest;
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // not ours to remove: it stays
  }
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // nothing there yet
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
