// Batches events into the journal: queued as they happen, written at most FLUSH_DELAY_MS later
// (sooner for a burst), one transaction per slice, so a burst never holds up the event loop.

import type { HistoryEvent } from "../protocol/events.ts";
import { type Journal, JournalError } from "./journal.ts";

/** Pending events wait at most this long for their batch... */
const FLUSH_DELAY_MS = 50;
/** ...or this many make the batch go at the next turn of the event loop. */
const BATCH_EVENTS = 256;
/** One transaction writes at most this many, so a burst is written in short slices. */
const MAX_EVENTS_PER_TRANSACTION = 1_000;
/** A journal another process holds locked is tried again after this long. */
const BUSY_RETRY_MS = 1_000;

export class JournalWriter {
  /** Recorded, not yet written; oldest first. */
  private pending: HistoryEvent[] = [];
  private timer: Timer | null = null;
  private timerIsSoon = false;
  private failed = false;

  /** `onFailure` hears a write that failed for good (disk full, I/O error); the writer has stopped then. */
  constructor(
    readonly journal: Journal,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Events not written yet (a busy journal keeps them a while): newer than everything in the journal. */
  get unwritten(): readonly HistoryEvent[] {
    return this.pending;
  }

  push(event: HistoryEvent): void {
    if (this.failed) return;
    this.pending.push(event);
    // Whatever lies beyond capacity would be trimmed right after its insert: never write it.
    const excess = this.pending.length - this.journal.capacity;
    if (excess > 0) this.pending.splice(0, excess);
    this.schedule();
  }

  /** Writes everything pending now (before a read from disk, at shutdown). */
  flush(): void {
    while (this.pending.length > 0 && this.writeSlice());
  }

  close(): void {
    this.flush();
    this.stop();
  }

  private schedule(): void {
    const soon = this.pending.length >= BATCH_EVENTS;
    if (this.timer && (this.timerIsSoon || !soon)) return;
    this.arm(soon ? 0 : FLUSH_DELAY_MS, soon);
  }

  /** unref: a pending batch must never be what keeps a finished process alive; close() flushes. */
  private arm(ms: number, soon: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerIsSoon = soon;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.writeSlice() && this.pending.length > 0) this.schedule();
    }, ms).unref();
  }

  /** One transaction of the oldest pending events; false when nothing could be written. */
  private writeSlice(): boolean {
    if (this.failed) return false;
    const slice = this.pending.slice(0, MAX_EVENTS_PER_TRANSACTION);
    try {
      this.journal.append(slice);
    } catch (error) {
      if (error instanceof JournalError && error.transient) {
        this.arm(BUSY_RETRY_MS, false);
        return false;
      }
      this.stop();
      this.onFailure(error);
      return false;
    }
    this.pending.splice(0, slice.length);
    return true;
  }

  private stop(): void {
    this.failed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    this.journal.close();
  }
}
