// The command interface: Bun.listen on the UNIX socket, NDJSON in, answers out in request order.

import type { Socket, UnixSocketListener } from "bun";
import { encodeFrame, LineDecoder, parseRequest } from "../protocol/codec.ts";
import { type Envelope, failure } from "../protocol/envelope.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { Dispatch } from "./dispatch.ts";
import { Outbox } from "./outbox.ts";
import { socketPathError } from "./socket-errors.ts";
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
  /** Aborted when the connection closes: a stream on it stops. */
  gone: AbortController;
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

  /**
   * Reads no more from this client; what it is owed goes out (`last` too), then the connection ends.
   * Shutting the read side makes the client's further writes fail, so it cannot keep us reading.
   */
  const finish = (socket: Socket<Connection>, connection: Connection, last?: () => void) => {
    connection.broken = true;
    if (connection.idle) clearTimeout(connection.idle);
    connection.idle = null;
    try {
      socket.shutdown(true);
    } catch {
      // already closed
    }
    connection.chain = connection.chain.then(() => {
      last?.();
      connection.outbox.endAfterFlush();
    });
  };

  const armIdle = (socket: Socket<Connection>, connection: Connection) => {
    if (connection.idle) clearTimeout(connection.idle);
    // unref: an idle client must never be what keeps a finished serve alive.
    connection.idle = connection.inFlight === 0 ? setTimeout(() => finish(socket, connection), IDLE_MS).unref() : null;
  };

  /** Answers what came before, then the error, then closes (answers stay in order). */
  const reject = (socket: Socket<Connection>, connection: Connection, id: Envelope["id"], error: ProtocolError) => {
    options.onInvalid(error);
    finish(socket, connection, () => connection.outbox.write(encodeFrame(failure(id, error.toWire()))));
  };

  const server: UnixSocketListener<Connection> = createWithMode(options.path, options.mode, options.group, () =>
    listenOn(options.path, {
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
            gone: new AbortController(),
          };
          socket.data = connection;
          connections.add(connection);
          armIdle(socket, connection);
        },
        data(socket, chunk) {
          const connection = socket.data;
          if (connection.broken) return;
          // Lines before a bad one (too long, not UTF-8) in the same chunk are still answered, in order.
          const { lines, error } = connection.decoder.decode(chunk);
          for (const line of lines) {
            if (line.trim() === "") continue;
            const parsed = parseRequest(line);
            if (!parsed.ok) return reject(socket, connection, parsed.id, parsed.error);
            if (connection.inFlight >= MAX_QUEUED_REQUESTS) {
              return reject(socket, connection, parsed.request.id, tooMany());
            }
            connection.inFlight++;
            const send = (envelope: Envelope) => connection.outbox.write(encodeFrame(envelope));
            connection.chain = connection.chain
              .then(() => options.dispatch(parsed.request, send, connection.gone.signal))
              .finally(() => {
                connection.inFlight--;
                if (!connection.broken && !connection.outbox.closed) armIdle(socket, connection);
              });
          }
          if (error) return reject(socket, connection, null, error);
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
          connection.gone.abort();
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

/** Bun.listen, its failure (EACCES, EADDRINUSE, …) told as what to change. */
function listenOn(path: string, options: Parameters<typeof Bun.listen<Connection>>[0]): UnixSocketListener<Connection> {
  try {
    return Bun.listen<Connection>(options) as UnixSocketListener<Connection>;
  } catch (error) {
    throw socketPathError(path, error, "listen");
  }
}

function tooMany(): ProtocolError {
  return new ProtocolError("INVALID_REQUEST", `more than ${MAX_QUEUED_REQUESTS} requests waiting on one connection`);
}
