// The shape of every client command: one request, then the envelope or the rendered table.

import { request } from "../client/connection.ts";
import type { ArgsOf, CommandName, DataOf } from "../protocol/commands.ts";
import { type Envelope, failure } from "../protocol/envelope.ts";
import { ProtocolError } from "../protocol/errors.ts";
import type { ClientOptions } from "./args.ts";
import { emit } from "./output.ts";

export async function callAndEmit<C extends CommandName>(
  options: ClientOptions,
  command: C,
  args: ArgsOf<C>,
  render: (data: DataOf<C>) => string,
): Promise<Envelope<DataOf<C>>> {
  const envelope = await requestOrFailure(options, command, args);
  emit(envelope, options.format, render);
  return envelope;
}

/** The answer, or the client's own SOCKET_CONNECTION_ERROR as an error envelope. */
export async function requestOrFailure<C extends CommandName>(options: ClientOptions, command: C, args: ArgsOf<C>): Promise<Envelope<DataOf<C>>> {
  try {
    return await request(command, args, options);
  } catch (error) {
    if (error instanceof ProtocolError) return failure(null, error.toWire());
    throw error;
  }
}
