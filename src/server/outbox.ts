// Writes to a socket without losing bytes: socket.write accepts what fits, the rest waits for drain.

import type { Socket } from "bun";

/** A client that stops reading may hold this much of our output before it is dropped. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

export class Outbox {
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private closeWhenFlushed = false;
  private flushedWaiters: Array<() => void> = [];
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
  }

  /** Resolves once nothing is queued (or the connection is gone). */
  flushed(): Promise<void> {
    if (this.queue.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.flushedWaiters.push(resolve));
  }

  markClosed(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.settle();
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      this.markClosed();
      this.socket.end();
    }
  }

  private settle(): void {
    if (this.queue.length > 0 && !this.closed) return;
    for (const resolve of this.flushedWaiters.splice(0)) resolve();
    if (this.closeWhenFlushed && !this.closed) {
      this.closed = true;
      this.socket.end();
    }
  }
}
