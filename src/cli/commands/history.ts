// `history`: the event history, filtered; with --follow, new events as they happen until Ctrl+C —
// one line per event on a terminal, one compact JSON envelope per frame (NDJSON) otherwise.

import { defineCommand } from "../command.ts";
import { COMMAND_TABLE } from "../../protocol/command-table.ts";
import type { HistoryArgs } from "../../protocol/history.ts";
import { clientArgs, clientOptions, type ClientOptions, takePositionals } from "../args.ts";
import { publicEnvelope, writeText } from "../output.ts";
import { renderEventLine, renderHistory } from "../render/history.ts";
import { callAndEmit } from "../run.ts";
import { followStream } from "../stream-end.ts";

export default defineCommand({
  meta: { name: "history", description: COMMAND_TABLE.history.description },
  args: {
    socket_path: { type: "positional", required: false, description: "Orchestrator socket (path with '/' or ending in .sock)" },
    ...clientArgs,
    last: { type: "string", alias: "n", description: "-n: only the newest N matching events (with --follow: 10 by default)", valueHint: "N" },
    agent: { type: "string", description: "Only events of this agent", valueHint: "name" },
    type: { type: "string", description: "Only events of this type (AGENT_STARTED, EXECUTION_FAILED, …)", valueHint: "TYPE" },
    category: { type: "string", description: "Only events of this category (AGENT, EXECUTION, COMMAND, ORCHESTRATOR)", valueHint: "CATEGORY" },
    "after-seq": { type: "string", description: "Only events after this seq (resume from the last one seen)", valueHint: "SEQ" },
    follow: { type: "boolean", alias: "f", description: "-f: keep printing new events until Ctrl+C" },
  },
  async run({ args }) {
    const options = clientOptions(args);
    takePositionals(options, { required: [] });
    const wire = wireArgs(args);
    if (!wire.follow) {
      await callAndEmit(options, "history", wire, renderHistory);
      return;
    }
    await follow(options, wire);
  },
});

/**
 * The flags as the wire takes them. Values are passed on even when they look wrong ('abc', '-1'):
 * the server checks every argument and answers INVALID_ARGUMENT with what it accepts.
 */
function wireArgs(args: Record<string, unknown>): HistoryArgs {
  const wire: Record<string, unknown> = {};
  const text = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : undefined);
  const number = (value: string) => (value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value);
  const last = text("last");
  const afterSeq = text("after-seq");
  if (last !== undefined) wire.last = number(last);
  if (afterSeq !== undefined) wire.after_seq = number(afterSeq);
  if (text("agent") !== undefined) wire.agent = text("agent");
  // Types and categories are upper case; `--type agent_failed` means the same.
  if (text("type") !== undefined) wire.type = text("type")?.toUpperCase();
  if (text("category") !== undefined) wire.category = text("category")?.toUpperCase();
  if (args.follow === true) wire.follow = true;
  return wire as HistoryArgs;
}

/** New events as they happen: a line each on a terminal, one compact envelope per frame otherwise. */
function follow(options: ClientOptions, args: HistoryArgs): Promise<void> {
  return followStream(options, "history", args, (envelope) => {
    if (options.format === "json") writeText(JSON.stringify(publicEnvelope(envelope)));
    else if (envelope.data.events.length > 0) writeText(envelope.data.events.map(renderEventLine).join("\n"));
  });
}
