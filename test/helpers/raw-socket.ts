// A bare NDJSON connection to a serve socket: write any bytes, read answers frame by frame.
// For protocol tests that must go around the client (malformed lines, pipelining, split writes).

import type { Socket } from "bun";
import type { Envelope } from "../../src/protocol/envelope.ts";

export interface RawConnection extends Disposable {
  /** Writes everything (waiting for drain when the kernel buffer is full); resolves early if the socket closes. */
  send(data: string | Uint8Array): Promise<void>;
  /** The next answer frame; rejects when none comes within `timeoutMs` or the server closed first. */
  next(timeoutMs?: number): Promise<Envelope>;
  /** The next `count` answer frames. */
  take(count: number, timeoutMs?: number): Promise<Envelope[]>;
  /** Resolves when the server (or we) closed the connection. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Sends FIN (shutdown(2) of our write side) and keeps reading, as `socat` or `nc -N` do after their input ends. */
  finishWriting(): void;
  /** Frames received but not yet taken. */
  pending(): number;
  end(): void;
}

export async function rawConnect(path: string): Promise<RawConnection> {
  const frames: Envelope[] = [];
  const decoder = new TextDecoder();
  let buffered = "";
  let closed = false;
  let wake: (() => void) | null = null;
  let drained: (() => void) | null = null;
  const closedSignal = Promise.withResolvers<void>();
  const notify = () => {
    wake?.();
    wake = null;
    drained?.();
    drained = null;
  };

  const socket: Socket<undefined> = await Bun.connect({
    unix: path,
    // Our FIN must not close our read side too (finishWriting); the server's FIN still closes us (end).
    allowHalfOpen: true,
    socket: {
      data(_socket, chunk) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf("\n");
        while (newline !== -1) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== "") frames.push(JSON.parse(line) as Envelope);
          newline = buffered.indexOf("\n");
        }
        notify();
      },
      drain() {
        drained?.();
        drained = null;
      },
      end(socket) {
        socket.end();
        closed = true;
        closedSignal.resolve();
        notify();
      },
      close() {
        closed = true;
        closedSignal.resolve();
        notify();
      },
      error() {
        closed = true;
        closedSignal.resolve();
        notify();
      },
    },
  });

  const next = async (timeoutMs = 5_000): Promise<Envelope> => {
    const deadline = Date.now() + timeoutMs;
    while (frames.length === 0) {
      if (closed) throw new Error("connection closed before an answer came");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs}ms`);
      let timer: Timer | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
    return frames.shift() as Envelope;
  };

  return {
    async send(data) {
      let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      while (bytes.length > 0 && !closed) {
        const written = socket.write(bytes);
        if (written < 0) return;
        bytes = bytes.subarray(written);
        if (bytes.length > 0) await new Promise<void>((resolve) => (drained = resolve));
      }
    },
    next,
    async take(count, timeoutMs = 5_000) {
      const taken: Envelope[] = [];
      for (let i = 0; i < count; i++) taken.push(await next(timeoutMs));
      return taken;
    },
    closed: closedSignal.promise,
    isClosed: () => closed,
    pending: () => frames.length,
    finishWriting: () => socket.shutdown(),
    end: () => socket.end(),
    [Symbol.dispose]() {
      socket.end();
    },
  };
}
