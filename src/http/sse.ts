// One Server-Sent Events response: frames pushed as they come, a comment every 15 s so proxies
// and idle timers keep the connection, and a client that stops reading is dropped (as the
// socket drops one) instead of growing serve's memory.

const HEARTBEAT_MS = 15_000;
/** Unread bytes one client may have waiting before it is cut off. */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;
const encoder = new TextEncoder();

export class SseChannel {
  readonly response: Response;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private heartbeat: Timer | null = null;
  private closed = false;
  private readonly gone = new AbortController();

  constructor(headers: Record<string, string> = {}) {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
          // Opens the stream at once (headers and a first byte), before any frame is ready.
          controller.enqueue(encoder.encode(": connected\n\n"));
        },
        cancel: () => this.finish(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), HEARTBEAT_MS).unref();
    this.response = new Response(stream, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        // nginx would otherwise buffer the stream.
        "X-Accel-Buffering": "no",
        ...headers,
      },
    });
  }

  /** Aborted once the client has gone or the channel was closed. */
  get signal(): AbortSignal {
    return this.gone.signal;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** One event: `data` as one JSON line, `event` its name (default "message"). */
  send(data: unknown, event?: string): void {
    this.sendJson(JSON.stringify(data), event);
  }

  /** The same with the JSON already made (one string for many viewers). */
  sendJson(json: string, event?: string): void {
    this.write(`${event ? `event: ${event}\n` : ""}data: ${json}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.controller?.close();
    } catch {
      // the client cancelled meanwhile
    }
    this.finish();
  }

  private write(text: string): void {
    if (this.closed || !this.controller) return;
    if ((this.controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
      try {
        this.controller.error(new Error("client too slow"));
      } catch {
        // already errored
      }
      this.finish();
      return;
    }
    try {
      this.controller.enqueue(encoder.encode(text));
    } catch {
      this.finish();
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.gone.abort();
  }
}
