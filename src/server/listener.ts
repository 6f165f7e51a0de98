// The command interface: Bun.listen on the UNIX socket, NDJSON in, answers out in request order.

import type { Socket, UnixSocketListener } from "bun";
import { encodeFrame, LineDecoder, parseRequest } from "../protocol/codec.ts";
import { type Envelope, failure } from "../protocol/envelope.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Dispatch } from "./dispatch.ts";
import { Outbox } from "./outbox.ts";
import { claimSocketPath, createWithMode, removeSocketFile } from "./socket-file.ts";

const IDLE_MS = 60_000;
/** Requests one connection may have waiting for their turn before it is dropped. */
const MAX_QUEUED_REQUESTS = 256;

interface Connection {
  decoder: LineDecoder;
  outbox: Outbox;
  /** Answers go out in request order: each request waits for the one before. */
  chain: Promise<void>;
  inFlight: number;
  idle: Timer | null;
  broken: boolean;
}

export interface ListenerOptions {
  path: string;
  mode: number;
  group: string | null;
  dispatch: Dispatch;
  /** A malformed frame: audited by the caller. */
  onInvalid(error: ProtocolError): void;
}

export interface CommandListener {
  /** Lets pending answers leave (at most `graceMs`), closes every connection and removes the socket file. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(options: ListenerOptions): Promise<CommandListener> {
  await claimSocketPath(options.path);
  const connections = new Set<Connection>();

  const armIdle = (socket: Socket<Connection>, connection: Connection) => {
    if (connection.idle) clearTimeout(connection.idle);
    // unref: an idle client must never be what keeps a finished serve alive.
    connection.idle = connection.inFlight === 0 ? setTimeout(() => socket.end(), IDLE_MS).unref() : null;
  };

  /** Reads no more; answers what came before, then the error, then closes (answers stay in order). */
  const reject = (connection: Connection, id: Envelope["id"], error: ProtocolError) => {
    connection.broken = true;
    options.onInvalid(error);
    connection.chain = connection.chain.then(() => {
      connection.outbox.write(encodeFrame(failure(id, error.toWire())));
      connection.outbox.endAfterFlush();
    });
  };

  const server: UnixSocketListener<Connection> = createWithMode(options.path, options.mode, options.group, () =>
    Bun.listen<Connection>({
      unix: options.path,
      // A client that closes its sending side after its requests (socat, nc -N) still gets its answers.
      allowHalfOpen: true,
      socket: {
        open(socket) {
          const connection: Connection = {
            decoder: new LineDecoder(),
            outbox: new Outbox(socket as Socket<unknown>),
            chain: Promise.resolve(),
            inFlight: 0,
            idle: null,
            broken: false,
          };
          socket.data = connection;
          connections.add(connection);
          armIdle(socket, connection);
        },
        data(socket, chunk) {
          const connection = socket.data;
          if (connection.broken) return;
          let lines: string[];
          try {
            lines = connection.decoder.push(chunk);
          } catch (error) {
            reject(connection, null, error as ProtocolError);
            return;
          }
          for (const line of lines) {
            if (line.trim() === "") continue;
            const parsed = parseRequest(line);
            if (!parsed.ok) return reject(connection, parsed.id, parsed.error);
            if (connection.inFlight >= MAX_QUEUED_REQUESTS) {
              return reject(connection, parsed.request.id, tooMany());
            }
            connection.inFlight++;
            const send = (envelope: Envelope) => connection.outbox.write(encodeFrame(envelope));
            connection.chain = connection.chain
              .then(() => options.dispatch(parsed.request, send))
              .finally(() => {
                connection.inFlight--;
                if (!connection.outbox.closed) armIdle(socket, connection);
              });
          }
          armIdle(socket, connection);
        },
        end(socket) {
          const connection = socket.data;
          connection.broken = true;
          connection.chain = connection.chain.then(() => connection.outbox.endAfterFlush());
        },
        drain(socket) {
          socket.data.outbox.drain();
        },
        close(socket) {
          const connection = socket.data;
          if (connection.idle) clearTimeout(connection.idle);
          connection.outbox.markClosed();
          connections.delete(connection);
        },
        // A client that vanished mid-answer is noise, not a crash.
        error() {},
      },
    }),
  );

  return {
    async close(graceMs = 1_000) {
      const flushed = Promise.all([...connections].map((connection) => connection.outbox.flushed()));
      let grace: Timer | undefined;
      await Promise.race([flushed, new Promise((resolve) => (grace = setTimeout(resolve, graceMs)))]);
      clearTimeout(grace);
      for (const connection of connections) {
        if (connection.idle) clearTimeout(connection.idle);
        connection.outbox.markClosed();
      }
      server.stop(true);
      removeSocketFile(options.path);
    },
  };
}

function tooMany(): ProtocolError {
  return new ProtocolError("INVALID_REQUEST", `more than ${MAX_QUEUED_REQUESTS} requests waiting on one connection`);
}
