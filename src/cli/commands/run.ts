// `run AGENT [--wait]`: one run of a periodic agent now, as `systemctl start` does for a timer's
// service; with --wait it follows the run to its end and exits 0 only if it completed.

import { defineCommand } from "../command.ts";
import { call } from "../../client/connection.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import type { RunFrame } from "../../protocol/commands.ts";
import { type Envelope, failure } from "../../protocol/envelope.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { clientArgs, clientOptions, type ClientOptions, takeAgents } from "../args.ts";
import { EXIT, UsageError } from "../errors.ts";
import { emit, writeText } from "../output.ts";
import { renderMany } from "../render/many.ts";
import { renderRunFrame } from "../render/run.ts";
import { callAndEmit } from "../run.ts";

export default defineCommand({
  meta: { name: "run", description: COMMAND_TABLE.run.description },
  args: {
    agent: { type: "positional", required: true, description: "Periodic agent(s), all, or @group" },
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    wait: { type: "boolean", description: "Follow the run to its end; exit 1 unless it completed (a cron-job test)" },
  },
  async run({ args }) {
    const options = clientOptions(args);
    const agent = takeAgents(options);
    if (!args.wait) {
      const envelope = await callAndEmit(options, "run", { agent }, (data) => ("agents" in data ? renderMany(data) : renderRunFrame(data)));
      if (envelope.status === "success" && "agents" in envelope.data && envelope.data.failed > 0) process.exitCode = EXIT.error;
      return;
    }
    if (options.positionals.length > 1 || agent.includes(",") || agent === "all" || agent.startsWith("@")) {
      throw new UsageError("--wait follows the run of one agent");
    }
    await followRun(options, agent);
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
      const frame = envelope.data as RunFrame;
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
