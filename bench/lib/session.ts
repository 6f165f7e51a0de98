// One long-lived NDJSON connection carrying many requests, as a monitoring tool keeps one open
// (src/client/connection.ts opens a connection per request, so this exercises the other path).

import type { Socket } from "bun";
import type { ArgsOf, CommandName, DataOf } from "../../src/protocol/commands.ts";
import { encodeFrame, LineDecoder } from "../../src/protocol/codec.ts";
import type { Envelope } from "../../src/protocol/envelope.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

interface Pending {
  resolve(envelope: Envelope<unknown>): void;
  reject(error: Error): void;
  timer: Timer;
}

export class Session {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private unsent = "";
  private socket: Socket<undefined> | null = null;
  private failure: Error | null = null;

  private constructor(private readonly path: string) {}

  static async open(path: string): Promise<Session> {
    const session = new Session(path);
    const decoder = new LineDecoder(64 * 1024 * 1024);
    try {
      session.socket = await Bun.connect({
        unix: path,
        socket: {
          data(_socket, chunk) {
            try {
              for (const line of decoder.push(chunk)) if (line.trim() !== "") session.receive(JSON.parse(line) as Envelope<unknown>);
            } catch (error) {
              session.fail(`sent an unreadable answer (${(error as Error).message})`);
            }
          },
          drain(socket) {
            const written = socket.write(session.unsent);
            session.unsent = session.unsent.slice(written);
          },
          close() {
            session.fail("closed the connection");
          },
          error(_socket, error) {
            session.fail(error.message);
          },
        },
      });
    } catch (error) {
      throw new ProtocolError("SOCKET_CONNECTION_ERROR", `cannot connect to ${path}: ${(error as Error).message}`);
    }
    return session;
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  request<C extends CommandName>(command: C, args: ArgsOf<C>, timeoutMs: number): Promise<Envelope<DataOf<C>>> {
    if (this.failure || !this.socket) return Promise.reject(this.failure ?? new Error("not connected"));
    const id = this.nextId++;
    return new Promise<Envelope<DataOf<C>>>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(`did not answer request ${id} within ${timeoutMs / 1000}s`), timeoutMs);
      this.pending.set(id, { resolve: resolve as (envelope: Envelope<unknown>) => void, reject, timer });
      const frame = encodeFrame({ id, command, args });
      if (this.unsent !== "") this.unsent += frame;
      else {
        const written = this.socket?.write(frame) ?? 0;
        this.unsent = frame.slice(written);
      }
    });
  }

  close(): void {
    this.fail("closed by the client");
    this.socket?.end();
  }

  private receive(envelope: Envelope<unknown>): void {
    const pending = typeof envelope.id === "number" ? this.pending.get(envelope.id) : undefined;
    if (!pending) {
      this.fail(`answered an unknown request id ${String(envelope.id)}`);
      return;
    }
    this.pending.delete(envelope.id as number);
    clearTimeout(pending.timer);
    pending.resolve(envelope);
  }

  /** Every request still waiting fails; the session is unusable from then on. */
  private fail(why: string): void {
    if (!this.failure) this.failure = new ProtocolError("SOCKET_CONNECTION_ERROR", `the orchestrator on ${this.path} ${why}`);
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(this.failure);
    }
    this.pending.clear();
    if (why !== "closed the connection" && why !== "closed by the client") this.socket?.end();
  }
}
