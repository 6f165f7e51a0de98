// An agent's log file: the raw bytes of stdout and stderr as timestamped records, read from the
// pipes no faster than log-file.ts gets them onto disk.
//
// Record: `<ISO time> <stream> <payload bytes>\n`. A record that does not end a line (a piece of
// a line longer than MAX_RECORD_PAYLOAD, or a last line without newline) names its stream with a
// `+` (`stdout+`): concatenating one stream's payloads, with "\n" after each record without `+`,
// gives back exactly the bytes the agent wrote.

import { LogFile, type LogRotation } from "./log-file.ts";

export type { LogRotation } from "./log-file.ts";
export type OutputStream = "stdout" | "stderr";

/** Longest payload of one record: one endless line must not grow memory. */
export const MAX_RECORD_PAYLOAD = 64 * 1024;
const NEWLINE = 0x0a;

const encoder = new TextEncoder();
/** Most pipes end every write with a newline: their line-in-progress buffer is never allocated. */
const NOTHING_PENDING = new Uint8Array(0);

/**
 * One record as it is framed, for `onRecord` listeners. `payload` is a view into the batch being
 * written: copy it (or decode it) to keep it past the call.
 */
export interface LogRecord {
  time: string;
  stream: OutputStream;
  /** `stdout+`: the line goes on in this stream's next record. */
  continues: boolean;
  payload: Uint8Array;
}

export type RecordListener = (record: LogRecord) => void;

/** One pipe's line in progress: at most MAX_RECORD_PAYLOAD bytes, copied out of the read chunks. */
interface PipeState {
  name: OutputStream;
  pending: Uint8Array;
  pendingLength: number;
}

export class OutputLog {
  private readonly file: LogFile;
  /** null while nobody listens: framing then makes no record objects at all. */
  private listeners: readonly RecordListener[] | null = null;

  constructor(
    readonly path: string,
    private readonly onActivity: () => void,
    rotation: LogRotation = { maxBytes: 0, keep: 1 },
  ) {
    this.file = new LogFile(path, rotation);
  }

  /** Bytes the disk refused (full, gone) since serve started. */
  get droppedBytes(): number {
    return this.file.droppedBytes;
  }

  /**
   * Reads a pipe to its end; `finished` resolves once every byte, a partial last line included,
   * is queued for the file. `stop()` gives up on a pipe that a stray descendant keeps open.
   */
  drain(stream: ReadableStream<Uint8Array>, name: OutputStream): { finished: Promise<void>; stop(): void } {
    const reader = stream.getReader();
    const state: PipeState = { name, pending: NOTHING_PENDING, pendingLength: 0 };
    const stopped = Promise.withResolvers<void>();
    const finished = (async () => {
      try {
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          this.frame(state, read.value, false);
          this.onActivity();
          // Backpressure: leave the rest in the pipe until the disk has caught up.
          if (this.file.full) await Promise.race([this.file.room(), stopped.promise]);
        }
      } catch {
        // cancelled by stop(), or the pipe broke: keep what was read
      }
      this.frame(state, new Uint8Array(0), true);
    })();
    return {
      finished,
      stop: () => {
        stopped.resolve();
        void reader.cancel().catch(() => {});
      },
    };
  }

  /**
   * Calls `listener` with every record framed from now on (in file order, before it reaches the
   * disk), across the agent's runs and rotations; returns the unsubscribe function.
   */
  onRecord(listener: RecordListener): () => void {
    this.listeners = [...(this.listeners ?? []), listener];
    return () => {
      const rest = (this.listeners ?? []).filter((entry) => entry !== listener);
      this.listeners = rest.length > 0 ? rest : null;
    };
  }

  /** Resolves once everything queued so far is on disk (or refused by it) and the file is closed. */
  close(): Promise<void> {
    return this.file.close();
  }

  /** A listener's failure must never stop the pipe it is called from. */
  private tell(record: LogRecord): void {
    for (const listener of this.listeners ?? []) {
      try {
        listener(record);
      } catch {
        // the listener's own problem
      }
    }
  }

  /** Turns one read chunk into records, queued as one write (two around a rotation). */
  private frame(state: PipeState, chunk: Uint8Array, last: boolean): void {
    const newlines: number[] = [];
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) newlines.push(at);
    const available = state.pendingLength + chunk.length;
    if (available === 0) return;
    const time = new Date().toISOString();
    const heads = [encoder.encode(`${time} ${state.name} `), encoder.encode(`${time} ${state.name}+ `)] as const;
    const records = newlines.length + Math.floor(available / MAX_RECORD_PAYLOAD) + 1;
    const out = Buffer.allocUnsafe(available + records * (heads[1].length + 1));
    let at = 0;
    let batchStart = 0;
    /** Writes a record of the first `fromPending` pending bytes and chunk[from, to). */
    const record = (head: Uint8Array, fromPending: number, from: number, to: number): void => {
      out.set(head, at);
      at += head.length;
      const payloadStart = at;
      out.set(state.pending.subarray(0, fromPending), at);
      at += fromPending;
      out.set(chunk.subarray(from, to), at);
      at += to - from;
      out[at++] = NEWLINE;
      if (this.listeners !== null) {
        this.tell({ time, stream: state.name, continues: head === heads[1], payload: out.subarray(payloadStart, at - 1) });
      }
      state.pending.copyWithin(0, fromPending, state.pendingLength);
      state.pendingLength -= fromPending;
      // Rotation falls between records, never inside one.
      if (this.file.reaches(at - batchStart)) {
        this.file.append(out.subarray(batchStart, at));
        this.file.rotate();
        batchStart = at;
      }
    };
    let from = 0;
    for (const end of [...newlines, chunk.length]) {
      // Pieces of an overlong line, each marked as continued.
      while (state.pendingLength + (end - from) > MAX_RECORD_PAYLOAD) {
        const length = pieceLength(state, chunk, from);
        const fromPending = Math.min(length, state.pendingLength);
        record(heads[1], fromPending, from, from + length - fromPending);
        from += length - fromPending;
      }
      if (end < chunk.length) {
        record(heads[0], state.pendingLength, from, end);
        from = end + 1;
      } else {
        reserve(state, state.pendingLength + end - from);
        state.pending.set(chunk.subarray(from, end), state.pendingLength);
        state.pendingLength += end - from;
      }
    }
    if (last && state.pendingLength > 0) record(heads[1], state.pendingLength, 0, 0);
    this.file.append(out.subarray(batchStart, at));
  }
}

/** Grows the line-in-progress buffer (doubling, at most MAX_RECORD_PAYLOAD) to hold `length` bytes. */
function reserve(state: PipeState, length: number): void {
  if (length <= state.pending.length) return;
  const grown = new Uint8Array(Math.min(MAX_RECORD_PAYLOAD, Math.max(length, state.pending.length * 2, 256)));
  grown.set(state.pending.subarray(0, state.pendingLength));
  state.pending = grown;
}

/**
 * How much of the line in progress (pending bytes, then chunk from `from`) the next piece takes:
 * MAX_RECORD_PAYLOAD, or up to 3 bytes less so that a UTF-8 character is not cut in two and each
 * record of a text line stays readable on its own. Binary data is cut at the maximum.
 */
function pieceLength(state: PipeState, chunk: Uint8Array, from: number): number {
  const byteAt = (i: number) => (i < state.pendingLength ? state.pending[i] : chunk[from + i - state.pendingLength]) ?? 0;
  const continuation = (i: number) => (byteAt(i) & 0xc0) === 0x80;
  let length = MAX_RECORD_PAYLOAD;
  while (length > MAX_RECORD_PAYLOAD - 3 && continuation(length)) length--;
  return continuation(length) ? MAX_RECORD_PAYLOAD : length;
}
