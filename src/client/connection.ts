// One request over the UNIX socket: connect, send, read the answer frame(s), with a deadline.

import type { Socket } from "bun";
import type { ArgsOf, CommandName, DataOf } from "../protocol/commands.ts";
import { encodeFrame, LineDecoder } from "../protocol/codec.ts";
import type { Envelope } from "../protocol/envelope.ts";
import { connectionError, noAnswerError } from "./errors.ts";

/** Answers can be far larger than requests (ps of a thousand agents). */
const MAX_ANSWER_LINE_BYTES = 64 * 1024 * 1024;

export interface CallOptions {
  socketPath: string;
  /** Deadline for the first answer frame. */
  timeoutMs: number;
}

/**
 * Sends one request and yields every answer frame: one for a plain command, several for a
 * stream (the last has `end`). Closing the iterator early closes the connection, which ends a stream.
 */
export async function* call<C extends CommandName>(command: C, args: ArgsOf<C>, options: CallOptions): AsyncGenerator<Envelope<DataOf<C>>, void, void> {
  const frames: Envelope<DataOf<C>>[] = [];
  let failure: Error | null = null;
  let closed = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const decoder = new LineDecoder(MAX_ANSWER_LINE_BYTES);

  let socket: Socket<undefined>;
  try {
    socket = await Bun.connect({
      unix: options.socketPath,
      socket: {
        data(_socket, chunk) {
          try {
            for (const line of decoder.push(chunk)) if (line.trim() !== "") frames.push(JSON.parse(line));
          } catch (error) {
            failure = noAnswerError(options.socketPath, `sent an unreadable answer (${(error as Error).message})`);
          }
          notify();
        },
        close() {
          closed = true;
          notify();
        },
        error(_socket, error) {
          failure = connectionError(options.socketPath, error);
          notify();
        },
      },
    });
  } catch (error) {
    throw connectionError(options.socketPath, error);
  }

  try {
    socket.write(encodeFrame({ id: 1, command, args }));
    let first = true;
    while (true) {
      if (frames.length === 0 && failure === null && !closed) {
        const waited = new Promise<void>((resolve) => (wake = resolve));
        if (first) {
          const timer = setTimeout(() => {
            failure = noAnswerError(options.socketPath, `did not answer within ${options.timeoutMs / 1000}s`);
            notify();
          }, options.timeoutMs);
          await waited;
          clearTimeout(timer);
        } else {
          await waited;
        }
      }
      const frame = frames.shift();
      if (frame) {
        first = false;
        yield frame;
        if (!frame.stream || frame.end) return;
        continue;
      }
      if (failure) throw failure;
      if (closed) throw noAnswerError(options.socketPath, first ? "closed the connection without answering" : "closed the stream before its end");
    }
  } finally {
    socket.end();
  }
}

/** A plain (non-streamed) command: its one answer. */
export async function request<C extends CommandName>(command: C, args: ArgsOf<C>, options: CallOptions): Promise<Envelope<DataOf<C>>> {
  for await (const frame of call(command, args, options)) return frame;
  throw noAnswerError(options.socketPath, "closed the connection without answering");
}
