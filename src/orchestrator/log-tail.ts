// The last lines of an agent's log, and following it: records (log-records.ts) joined back into
// lines, bounded in count and size, and the handoff from the file to the live output.

import type { LogLine } from "../protocol/logs.ts";
import { BackwardRecords, decodeLine } from "./log-records.ts";
import { type LogRecord, MAX_RECORD_PAYLOAD, type OutputLog, type OutputStream } from "./output-log.ts";

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
      tail = lastLines(
        {
          next: () => newest[next++] ?? records.next(),
          get exhausted() {
            return records.exhausted;
          },
        },
        options,
      );
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
