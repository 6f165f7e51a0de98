// `run AGENT [--wait]`: one run of a periodic agent now, as `systemctl start` does for a timer's
// service; with --wait it follows the run to its end and exits 0 only if it completed.

import { defineCommand } from "citty";
import { call } from "../../client/connection.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import type { RunFrame } from "../../protocol/commands.ts";
import { type Envelope, failure } from "../../protocol/envelope.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { clientArgs, clientOptions, type ClientOptions, takePositionals } from "../args.ts";
import { EXIT } from "../errors.ts";
import { emit, writeText } from "../output.ts";
import { renderRunFrame } from "../render/run.ts";
import { callAndEmit } from "../run.ts";

export default defineCommand({
  meta: { name: "run", description: COMMAND_TABLE.run.description },
  args: {
    agent: { type: "positional", required: true, description: "A periodic agent" },
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    wait: { type: "boolean", description: "Follow the run to its end; exit 1 unless it completed (a cron-job test)" },
  },
  async run({ args }) {
    const options = clientOptions(args);
    const { agent } = takePositionals(options, { required: ["agent"] });
    if (!args.wait) {
      await callAndEmit(options, "run", { agent: agent as string }, renderRunFrame);
      return;
    }
    await followRun(options, agent as string);
  },
});

/** Table mode prints both lines as they happen; JSON mode prints the last envelope only. */
async function followRun(options: ClientOptions, agent: string): Promise<void> {
  try {
    for await (const envelope of call("run", { agent, wait: true }, options)) {
      if (envelope.status === "error") {
        emit(envelope, options.format, () => "");
        return;
      }
      const frame = envelope.data;
      if (options.format === "table") writeText(renderRunFrame(frame));
      if (frame.action !== "run_finished") continue;
      if (options.format === "json") emit(envelope, "json", () => "");
      process.exitCode = frame.outcome === "completed" ? EXIT.ok : EXIT.error;
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const envelope: Envelope<RunFrame> = failure(null, error.toWire());
    emit(envelope, options.format, () => "");
  }
}
