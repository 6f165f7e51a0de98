// `logs --follow`: the merged last lines, then every line of the agents followed as it is written
// (and, asked for, each run marker as its event happens), until the client goes, serve has shut
// down, or no agent is left to follow. A reload or a scale is followed too: agents the selection
// now names join, removed ones leave, a replaced log is picked up.

import { followLog, recordLine } from "../../orchestrator/log-tail.ts";
import type { LogRecord, OutputLog } from "../../orchestrator/output-log.ts";
import type { AgentLogLine, LogMarker, LogsArgs, LogsData } from "../../protocol/logs.ts";
import { ALL_AGENTS } from "../../config/groups.ts";
import type { FrameSink, ServerContext } from "../context.ts";
import { MarkerSequence, markerOf } from "../log-markers.ts";
import { type LogsQuery, logsData, markersFrom, mergeTails, withAgent } from "../log-query.ts";

/** A live frame is sent once this many bytes of lines wait, else at the next turn of the event loop. */
const LIVE_FRAME_BYTES = 256 * 1024;
/** The events after which the agents a selection names may have changed. */
const RESELECT = new Set(["ORCHESTRATOR_RELOADED", "AGENT_SCALED"]);

interface Followed {
  log: OutputLog;
  stop: () => void;
}

export async function followLogs(ctx: ServerContext, args: LogsArgs, query: LogsQuery, send: FrameSink<LogsData>, gone: AbortSignal): Promise<void> {
  let lines: AgentLogLine[] = [];
  let markers: LogMarker[] = [];
  let pendingBytes = 0;
  let flushing: Timer | null = null;
  const flush = () => {
    if (flushing) clearTimeout(flushing);
    flushing = null;
    if ((lines.length === 0 && markers.length === 0) || gone.aborted) return;
    const frame = logsData(args, query, lines, markers, false);
    lines = [];
    markers = [];
    pendingBytes = 0;
    send(frame, false);
  };
  const later = () => {
    if (pendingBytes >= LIVE_FRAME_BYTES) flush();
    else flushing ??= setTimeout(flush, 0);
  };
  const live = (agent: string) => (record: LogRecord) => {
    if (query.tail.stream && record.stream !== query.tail.stream) return;
    if (query.tail.since && record.time < query.tail.since) return;
    const line = withAgent(agent, recordLine(record));
    if (query.grep && !query.grep(line.line)) return;
    lines.push(line);
    pendingBytes += line.line.length + 80;
    later();
  };

  const started = await Promise.all(
    query.agents.map(async (agent) => {
      const log = ctx.orchestrator.mustGet(agent).log;
      return { agent, log, follow: await followLog(log, { ...query.tail, maxScanBytes: query.maxScanBytes }) };
    }),
  );
  const followed = new Map<string, Followed>();
  for (const { agent, log, follow } of started) followed.set(agent, { log, stop: follow.stop });
  const stopAll = () => {
    for (const entry of followed.values()) entry.stop();
    followed.clear();
  };
  if (gone.aborted) return stopAll();

  // The first frame and the event subscription in one synchronous step: no marker falls between.
  const tail = mergeTails(
    started.map(({ agent, follow }) => ({ agent, ...follow.tail })),
    query,
  );
  const sequence = new MarkerSequence();
  const first = query.markers ? markersFrom(ctx, query.agents, tail.lines[0]?.time ?? query.tail.since ?? null, sequence) : [];
  send(logsData(args, query, tail.lines, first, tail.limited), false);
  for (const { agent, follow } of started) follow.start(live(agent));

  const { promise: ended, resolve: end } = Promise.withResolvers<void>();
  const reselect = () => {
    let names: string[];
    try {
      names = ctx.orchestrator.select(args.agent === undefined ? [ALL_AGENTS] : args.agent.split(","));
    } catch {
      names = [];
    }
    for (const [agent, entry] of followed) {
      const runtime = ctx.orchestrator.get(agent);
      if (!runtime || !names.includes(agent)) {
        entry.stop();
        followed.delete(agent);
      } else if (runtime.log !== entry.log) {
        entry.stop();
        followed.set(agent, { log: runtime.log, stop: runtime.log.onRecord(live(agent)) });
      }
    }
    for (const agent of names) {
      const runtime = ctx.orchestrator.get(agent);
      if (runtime && !followed.has(agent)) followed.set(agent, { log: runtime.log, stop: runtime.log.onRecord(live(agent)) });
    }
    query.agents = names.filter((agent) => followed.has(agent));
    if (followed.size === 0) end();
  };
  const unsubscribe = ctx.orchestrator.events.subscribe((event) => {
    if (event.type === "SHUTDOWN_COMPLETED") return end();
    if (RESELECT.has(event.type)) return reselect();
    if (!query.markers || event.agent === null || !followed.has(event.agent)) return;
    const marker = markerOf(event);
    if (marker && sequence.accept(marker)) {
      markers.push(marker);
      later();
    }
  });
  const onGone = () => end();
  if (gone.aborted) end();
  else gone.addEventListener("abort", onGone, { once: true });
  try {
    await ended;
  } finally {
    unsubscribe();
    gone.removeEventListener("abort", onGone);
    stopAll();
  }
  flush();
  if (!gone.aborted) send(logsData(args, query, [], [], false), true);
}
