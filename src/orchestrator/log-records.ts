// An agent's log records read backwards: newest first across <agent>.log and its rotated
// files, in blocks from the end (never a whole file).

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type LogRecord, MAX_RECORD_PAYLOAD } from "./output-log.ts";

const BLOCK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
/** `2026-11-24T19:16:45.121Z stdout+ `: the longest header. */
const MAX_HEADER_BYTES = 33;
const MAX_RECORD_BYTES = MAX_RECORD_PAYLOAD + MAX_HEADER_BYTES + 1;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Rotated files beyond this many are not looked for (log_keep is at most 1000). */
const MAX_FILES = 1001;

/** Payloads are raw bytes: invalid UTF-8 becomes U+FFFD in the answer. */
const utf8 = new TextDecoder("utf-8");

export function decodeLine(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

interface OpenFile {
  fd: number;
  /** Bytes before this offset are not read yet. */
  pos: number;
  /** Read, not yet returned: [pos, pos + buf.length), ending just after a newline once trimmed. */
  buf: Buffer;
  /** The bytes after the last newline (a record still being written) are not dropped yet. */
  untrimmed: boolean;
}

/**
 * The records of a log, newest first: `<path>`, then `<path>.1`, `.2` … Each file is read as it
 * was when opened (a record appended later is not returned), and a file that a rotation renamed
 * while we read is recognised by its inode and not read twice. `bytesRead` counts every byte read.
 */
export class BackwardRecords {
  bytesRead = 0;
  /** True once `maxBytes` stopped the reading before the oldest record. */
  exhausted = false;
  private file: OpenFile | null = null;
  private index = -1;
  private readonly seen = new Set<string>();
  private done = false;

  constructor(
    readonly path: string,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  next(): LogRecord | null {
    while (!this.done) {
      const file = this.file ?? this.openNext();
      if (!file) break;
      const record = this.take(file);
      if (record === undefined) continue;
      if (record !== null) return record;
      this.closeFile();
    }
    this.close();
    return null;
  }

  close(): void {
    this.closeFile();
    this.done = true;
  }

  /** The next record of this file: a record, null at its start, undefined to ask again (skipped bytes). */
  private take(file: OpenFile): LogRecord | null | undefined {
    for (;;) {
      if (file.untrimmed) {
        const last = file.buf.lastIndexOf(NEWLINE);
        if (last !== -1 || file.pos === 0) {
          file.buf = file.buf.subarray(0, last + 1);
          file.untrimmed = false;
          continue;
        }
        // No record of ours is this long: not one being written, just bytes to skip.
        if (file.buf.length > MAX_RECORD_BYTES) file.buf = Buffer.alloc(0);
      } else if (file.buf.length > 0) {
        const before = file.buf.length >= 2 ? file.buf.lastIndexOf(NEWLINE, file.buf.length - 2) : -1;
        if (before !== -1 || file.pos === 0) {
          const bytes = file.buf.subarray(before + 1, file.buf.length - 1);
          file.buf = file.buf.subarray(0, before + 1);
          return parseRecord(bytes) ?? undefined;
        }
        // Longer than any record ours writes: not one of ours; keep only what ends it.
        if (file.buf.length > MAX_RECORD_BYTES) file.buf = file.buf.subarray(file.buf.length - 1);
      } else if (file.pos === 0) {
        return null;
      }
      if (this.bytesRead >= this.maxBytes) {
        this.exhausted = true;
        this.done = true;
        return null;
      }
      const length = Math.min(BLOCK_BYTES, file.pos);
      const block = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(file.fd, block, got, length - got, file.pos - length + got);
        if (n <= 0) break;
        got += n;
      }
      this.bytesRead += got;
      file.pos -= length;
      file.buf = file.buf.length === 0 ? block.subarray(0, got) : Buffer.concat([block.subarray(0, got), file.buf]);
    }
  }

  private openNext(): OpenFile | null {
    while (this.index + 1 < MAX_FILES) {
      this.index++;
      const name = this.index === 0 ? this.path : `${this.path}.${this.index}`;
      let fd: number;
      try {
        fd = openSync(name, "r");
      } catch {
        // No current file (yet) is no reason to skip the rotated ones; a missing rotated one ends them.
        if (this.index === 0) continue;
        return null;
      }
      const stat = fstatSync(fd);
      const identity = `${stat.dev}:${stat.ino}`;
      if (this.seen.has(identity)) {
        // Renamed by a rotation since we read it: the file we want moved one place up.
        closeQuietly(fd);
        continue;
      }
      this.seen.add(identity);
      this.file = { fd, pos: stat.size, buf: Buffer.alloc(0), untrimmed: true };
      return this.file;
    }
    return null;
  }

  private closeFile(): void {
    if (this.file) closeQuietly(this.file.fd);
    this.file = null;
  }
}

/** `<time> <stream>[+] <payload>` without its newline; null when it is not a record. */
export function parseRecord(bytes: Buffer): LogRecord | null {
  if (bytes.length < 32 || bytes[24] !== 0x20) return null;
  const stream = bytes.toString("latin1", 25, 31);
  if (stream !== "stdout" && stream !== "stderr") return null;
  const continues = bytes[31] === 0x2b;
  const payloadAt = continues ? 33 : 32;
  if (bytes[payloadAt - 1] !== 0x20 || bytes.length < payloadAt) return null;
  const time = bytes.toString("latin1", 0, 24);
  if (!TIME.test(time)) return null;
  return { time, stream, continues, payload: bytes.subarray(payloadAt) };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
