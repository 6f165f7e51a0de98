// Writes to a socket without losing bytes: socket.write accepts what fits, the rest waits for drain.

import type { Socket } from "bun";

/** A client that stops reading may hold this much of our output before it is dropped. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Once the connection is to end, a client that takes none of its last answers for this long is dropped. */
const STALL_MS = 5_000;

export class Outbox {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private closeWhenFlushed = false;
  private flushedWaiters: Array<() => void> = [];
  private stall: Timer | null = null;
  closed = false;

  constructor(private readonly socket: Socket<unknown>) {}

  write(text: string): void {
    if (this.closed || this.closeWhenFlushed) return;
    const bytes = new TextEncoder().encode(text);
    if (this.queue.length === 0) {
      const written = this.socket.write(bytes);
      if (written === bytes.length) return;
      this.enqueue(bytes.subarray(Math.max(0, written)));
    } else {
      this.enqueue(bytes);
    }
  }

  /** Called from the socket's drain handler. */
  drain(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0] as Uint8Array;
      const written = this.socket.write(head);
      if (written < head.length) {
        this.queue[0] = head.subarray(Math.max(0, written));
        this.queuedBytes -= Math.max(0, written);
        // A slow reader that still reads is given time; only a stalled one is dropped.
        if (written > 0 && this.stall) this.armStall();
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.length;
    }
    this.settle();
  }

  /** Ends the connection once everything written so far has left. */
  endAfterFlush(): void {
    this.closeWhenFlushed = true;
    this.settle();
    if (!this.closed && !this.stall) this.armStall();
  }

  /** Resolves once nothing is queued (or the connection is gone). */
  flushed(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.flushedWaiters.push(resolve));
  }

  markClosed(): void {
    this.closed = true;
    this.clearStall();
    this.queue = [];
    this.queuedBytes = 0;
    this.settle();
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) this.drop();
  }

  /**
   * Closes at once, queued answers and all: for a client that does not read. A graceful end
   * would leave the connection open, and its requests read, for as long as the client likes.
   */
  private drop(): void {
    this.markClosed();
    this.socket.terminate();
  }

  private armStall(): void {
    this.clearStall();
    // unref: a stalled client must never be what keeps a finished serve alive.
    this.stall = setTimeout(() => this.drop(), STALL_MS).unref();
  }

  private clearStall(): void {
    if (this.stall) clearTimeout(this.stall);
    this.stall = null;
  }

  private settle(): void {
    if (this.queue.length > 0 && !this.closed) return;
    for (const resolve of this.flushedWaiters.splice(0)) resolve();
    if (this.closeWhenFlushed && !this.closed) {
      this.closed = true;
      this.clearStall();
      this.socket.end();
    }
  }
}
