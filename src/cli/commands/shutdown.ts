import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import { call } from "../../client/connection.ts";
import type { ShutdownFrame } from "../../protocol/commands.ts";
import { type Envelope, failure } from "../../protocol/envelope.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { clientArgs, clientOptions, type ClientOptions, SLOW_COMMAND_TIMEOUT_SECONDS, takePositionals } from "../args.ts";
import { EXIT } from "../errors.ts";
import { emit, writeText } from "../output.ts";
import { renderShutdownEstimate, renderShutdownFrame } from "../render/shutdown.ts";

export default defineCommand({
  meta: { name: "shutdown", description: COMMAND_TABLE.shutdown.description },
  args: {
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    wait: { type: "boolean", description: "Return only once the orchestrator is gone" },
  },
  async run({ args }) {
    const options = clientOptions(args, SLOW_COMMAND_TIMEOUT_SECONDS);
    takePositionals(options, { required: [] });
    await followShutdown(options, Boolean(args.wait));
  },
});

/**
 * Table mode prints the reference's lines as agents stop. JSON mode prints the first envelope
 * (the reference's shape) and, with --wait, returns once the orchestrator is gone.
 */
async function followShutdown(options: ClientOptions, wait: boolean): Promise<void> {
  let initiated: Extract<ShutdownFrame, { action: "shutdown_initiated" }> | null = null;
  try {
    for await (const envelope of call("shutdown", {}, options)) {
      if (envelope.status === "error" || options.format === "json") {
        if (!initiated) emit(envelope, options.format, () => "");
        if (envelope.status === "error" || !wait) return;
        initiated = envelope.data as typeof initiated;
        continue;
      }
      const frame = envelope.data;
      if (frame.action === "shutdown_initiated") initiated = frame;
      writeText(renderShutdownFrame(frame).join("\n"));
      if (frame.action === "shutdown_complete" && initiated) writeText(`\n${renderShutdownEstimate(initiated)}`);
    }
    process.exitCode = EXIT.ok;
    if (wait) await waitUntilGone(options);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const envelope: Envelope<ShutdownFrame> = failure(null, error.toWire());
    emit(envelope, options.format, () => "");
  }
}

/** The socket stops answering once serve has exited (it removes the file on its way out). */
async function waitUntilGone(options: ClientOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    const stillThere = await Bun.connect({
      unix: options.socketPath,
      socket: {
        data() {},
        open(socket) {
          socket.end();
        },
      },
    }).then(
      () => true,
      () => false,
    );
    if (!stillThere) return;
    await Bun.sleep(50);
  }
  throw new ProtocolError("SOCKET_CONNECTION_ERROR", `The orchestrator on ${options.socketPath} was still answering after ${options.timeoutMs / 1000}s`, {
    socket_path: options.socketPath,
  });
}
