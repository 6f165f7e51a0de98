// Reading an agent's log back from its end: records newest first across <agent>.log and its
// rotated files, read in blocks from the end (never a whole file), joined into lines.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { LogLine } from "../protocol/commands.ts";
import { type LogRecord, MAX_RECORD_PAYLOAD, type OutputLog, type OutputStream } from "./output-log.ts";

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

export interface TailOptions {
  /** How many lines, newest kept. */
  lines: number;
  stream?: OutputStream | null;
  /** ISO time (as the records write it): only lines at or after it. */
  since?: string | null;
  /** A longer line keeps its first bytes and is marked `truncated`. */
  maxLineBytes?: number;
  /** Older lines are left out (`limited`) once the answer's JSON would pass this. */
  maxAnswerBytes?: number;
}

export interface Tail {
  lines: LogLine[];
  /** Lines were left out to keep within the byte limits. */
  limited: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = MAX_RECORD_PAYLOAD;
export const DEFAULT_MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** The JSON around one line: `{"time":"…","stream":"stdout","line":"",…},`. */
const LINE_OVERHEAD_BYTES = 80;

/** Records newest first; `exhausted` when a byte budget ended them early. */
export interface RecordSource {
  next(): LogRecord | null;
  readonly exhausted?: boolean;
}

/** A line being assembled backwards: its newest piece first seen, earlier pieces prepended. */
interface Slot {
  time: string;
  stream: OutputStream;
  partial: boolean;
  pieces: Uint8Array[];
  bytes: number;
  truncated: boolean;
  text: string | null;
}

/**
 * The last `lines` lines of `records` (newest first), oldest first. The pieces of a line (`+`
 * records of its stream) are joined; a line's time is its last piece's; a line whose last piece
 * still continues (nothing after it on its stream yet) is `partial`.
 */
export function lastLines(records: RecordSource, options: TailOptions): Tail {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxAnswer = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const slots: Slot[] = [];
  const open: Record<OutputStream, Slot | null> = { stdout: null, stderr: null };
  let opening = options.lines > 0;
  let rawBytes = 0;
  let limited = false;

  const finish = (slot: Slot) => {
    let bytes = concat(slot.pieces, slot.bytes);
    if (bytes.length > maxLine) {
      bytes = bytes.subarray(0, utf8Boundary(bytes, maxLine));
      slot.truncated = true;
    }
    slot.text = decodeLine(bytes);
    slot.pieces = [];
  };
  const prepend = (slot: Slot, payload: Uint8Array) => {
    slot.pieces.unshift(payload);
    slot.bytes += payload.length;
    // Only the line's first maxLine bytes are kept: later pieces go once the earlier ones fill it.
    while (slot.pieces.length > 1 && slot.bytes - (slot.pieces.at(-1)?.length ?? 0) >= maxLine) {
      slot.bytes -= slot.pieces.pop()?.length ?? 0;
      slot.truncated = true;
    }
  };

  for (let record = records.next(); record !== null; record = records.next()) {
    if (options.stream && record.stream !== options.stream) continue;
    const current = open[record.stream];
    if (current && record.continues) {
      prepend(current, record.payload);
      continue;
    }
    // This record ends a line, or is the newest piece of one without an end: either way the
    // line open on this stream begins right after it.
    if (current) {
      finish(current);
      open[record.stream] = null;
    }
    if (opening && options.since && record.time < options.since) opening = false;
    if (opening && rawBytes >= maxAnswer) {
      opening = false;
      limited = true;
    }
    if (opening) {
      const slot: Slot = { time: record.time, stream: record.stream, partial: record.continues, pieces: [], bytes: 0, truncated: false, text: null };
      prepend(slot, record.payload);
      slots.push(slot);
      open[record.stream] = slot;
      rawBytes += Math.min(record.payload.length, maxLine) + LINE_OVERHEAD_BYTES;
      if (slots.length >= options.lines) opening = false;
    }
    if (!opening && open.stdout === null && open.stderr === null) break;
  }
  for (const slot of [open.stdout, open.stderr]) if (slot) finish(slot);
  if (records.exhausted) limited = true;

  // The answer must stay readable: newest lines first until the JSON budget is spent.
  const lines: LogLine[] = [];
  let answerBytes = 0;
  for (const slot of slots) {
    const line = toLogLine(slot);
    answerBytes += Buffer.byteLength(JSON.stringify(line.line)) + LINE_OVERHEAD_BYTES;
    if (answerBytes > maxAnswer && lines.length > 0) {
      limited = true;
      break;
    }
    lines.push(line);
  }
  return { lines: lines.reverse(), limited };
}

function toLogLine(slot: Slot): LogLine {
  const line: LogLine = { time: slot.time, stream: slot.stream, line: slot.text ?? "" };
  if (slot.partial) line.partial = true;
  if (slot.truncated) line.truncated = true;
  return line;
}

/** One record as a line of its own (the live part of a follow: pieces come as they are written). */
export function recordLine(record: LogRecord): LogLine {
  const line: LogLine = { time: record.time, stream: record.stream, line: decodeLine(record.payload) };
  if (record.continues) line.partial = true;
  return line;
}

/** Reads the last lines of the log at `path` (and its rotated files), at most `maxScanBytes` of it. */
export function readLastLines(path: string, options: TailOptions & { maxScanBytes?: number }): Tail & { bytesRead: number } {
  const records = new BackwardRecords(path, options.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES);
  try {
    return { ...lastLines(records, options), bytesRead: records.bytesRead };
  } finally {
    records.close();
  }
}

/** Reading stops here, however few lines were found (a log of endless lines). */
export const DEFAULT_MAX_SCAN_BYTES = 16 * 1024 * 1024;

export interface LogFollow {
  /** The last lines as the files held them when the subscription began. */
  tail: Tail;
  /** Hands `listener` the records framed while the tail was read, then each new one as it is framed. */
  start(listener: (record: LogRecord) => void): void;
  stop(): void;
}

/**
 * The last lines of `log`, and every record framed after them: nothing twice, nothing missed.
 * It subscribes first and holds what comes; closing the file is the barrier after which every
 * record framed before the subscription is on disk; records held that the files also hold by
 * the time they are read (written meanwhile) are left out of the tail.
 */
export async function followLog(log: OutputLog, options: TailOptions & { maxScanBytes?: number }): Promise<LogFollow> {
  let held: LogRecord[] | null = [];
  let listener: ((record: LogRecord) => void) | null = null;
  const stop = log.onRecord((record) => {
    if (held) held.push({ ...record, payload: Buffer.from(record.payload) });
    else listener?.(record);
  });
  let tail: Tail;
  try {
    await log.close();
    const records = new BackwardRecords(log.path, options.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES);
    try {
      const newest: LogRecord[] = [];
      while (newest.length < held.length) {
        const record = records.next();
        if (!record) break;
        newest.push(record);
      }
      let next = overlap(newest, held);
      tail = lastLines({ next: () => newest[next++] ?? records.next(), get exhausted() { return records.exhausted; } }, options);
    } finally {
      records.close();
    }
  } catch (error) {
    stop();
    throw error;
  }
  return {
    tail,
    start(next) {
      listener = next;
      const records = held ?? [];
      held = null;
      for (const record of records) next(record);
    },
    stop,
  };
}

/**
 * How many records at the start of `recent` (oldest first, framed after a subscription began)
 * the log already holds as its newest records (`newest`, newest first): the largest such count.
 */
export function overlap(newest: readonly LogRecord[], recent: readonly LogRecord[]): number {
  const first = newest[0];
  if (!first) return 0;
  for (let k = Math.min(newest.length, recent.length); k > 0; k--) {
    if (!sameRecord(recent[k - 1], first)) continue;
    let all = true;
    for (let i = 1; i < k && all; i++) all = sameRecord(recent[k - 1 - i], newest[i]);
    if (all) return k;
  }
  return 0;
}

function sameRecord(a: LogRecord | undefined, b: LogRecord | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.time === b.time &&
    a.stream === b.stream &&
    a.continues === b.continues &&
    Buffer.compare(a.payload, b.payload) === 0
  );
}

function concat(pieces: readonly Uint8Array[], bytes: number): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  return Buffer.concat(pieces, bytes);
}

/** `limit`, or up to 3 bytes less so that a UTF-8 character is not cut in two. */
function utf8Boundary(bytes: Uint8Array, limit: number): number {
  let at = limit;
  while (at > limit - 3 && at > 0 && ((bytes[at] ?? 0) & 0xc0) === 0x80) at--;
  return ((bytes[at] ?? 0) & 0xc0) === 0x80 ? limit : at;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
