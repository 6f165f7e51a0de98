// What every command handler may use, and the shape of a handler.

import type { Config } from "../config/types.ts";
import type { ArgsOf, CommandName, DataOf } from "../protocol/commands.ts";
import type { Orchestrator } from "../orchestrator/orchestrator.ts";
import type { ResourceSampler } from "../orchestrator/resources.ts";
import type { CommandMetrics } from "./metrics.ts";

export interface ServerContext {
  orchestrator: Orchestrator;
  /** The running configuration; a reload replaces it. */
  config: Config;
  /** allowed_commands minus blocked_commands of the running configuration. */
  permitted: (command: string) => boolean;
  sampler: ResourceSampler;
  metrics: CommandMetrics;
  version: string;
  /** Begins the one shutdown of this serve; `onStopped` hears each agent as it is stopped. */
  shutdown(onStopped: (agent: string, graceful: boolean) => void): Promise<{ stopped: number; allGraceful: boolean }>;
}

/** Sends one frame of a streamed answer; the last one has `end`. */
export type FrameSink<D> = (data: D, end: boolean) => void;

export const STREAMED = Symbol("streamed");

export interface Handler<C extends CommandName> {
  /** Validates the wire args; throws INVALID_ARGUMENT. Types do not exist at run time. */
  parseArgs(raw: Record<string, unknown>): ArgsOf<C>;
  /** `gone` is aborted once the client has closed the connection: a stream stops there. */
  /** Whether it streams (and so is not bound by command_timeout) is the command table's to say (protocol/command-table.ts). */
  run(ctx: ServerContext, args: ArgsOf<C>, send: FrameSink<DataOf<C>>, gone: AbortSignal): Promise<DataOf<C> | typeof STREAMED>;
}

export type HandlerTable = { [C in CommandName]: Handler<C> };
