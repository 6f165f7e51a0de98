// history and history-stats: the event history (journal-backed), filtered; `history --follow`
// answers what is kept, then streams new events until the client goes away or serve shuts down.

import { RUNNING_AGENT_PATTERN } from "../../protocol/agents.ts";
import { HISTORY_LIMITS, type HistoryArgs, type HistoryData } from "../../protocol/history.ts";
import { EVENT_CATEGORIES, EVENT_TYPES, type EventCategory, type EventType } from "../../protocol/events.ts";
import { OrchestratorError } from "../../orchestrator/errors.ts";
import { type EventFilter, matches, type OrchestratorEvent } from "../../orchestrator/events.ts";
import { type FrameSink, type Handler, type ServerContext, STREAMED } from "../context.ts";

/** New events seen within this long go out in one frame. */
const FOLLOW_BATCH_MS = 25;

export const history: Handler<"history"> = {
  parseArgs: historyArgs,
  async run(ctx, args, send, gone) {
    const filter = toFilter(args);
    const limit = args.last ?? (args.follow && args.after_seq === undefined ? HISTORY_LIMITS.followDefaultLast : HISTORY_LIMITS.maxLast);
    const first = answer(ctx, args, ctx.orchestrator.events.query(filter, limit));
    if (!args.follow) return first;
    await follow(ctx, args, filter, first, send, gone);
    return STREAMED;
  },
};

export const historyStats: Handler<"history-stats"> = {
  parseArgs(raw) {
    rejectUnknown(raw, ["agent"]);
    return raw.agent === undefined || raw.agent === null ? {} : { agent: agentName(raw.agent) };
  },
  async run(ctx, args) {
    const { events } = ctx.orchestrator;
    const counts = events.counts(args.agent);
    return {
      statistics: { by_type: counts.byType, by_severity: counts.bySeverity, by_category: counts.byCategory, total: counts.total },
      capacity_info: { ...events.capacityInfo(), total_events: events.totalRecorded },
      agent_filter: args.agent ?? null,
    };
  },
};

function answer(ctx: ServerContext, args: HistoryArgs, events: OrchestratorEvent[]): HistoryData {
  return {
    events,
    count: events.length,
    filters: {
      last: args.last ?? null,
      agent: args.agent ?? null,
      type: args.type ?? null,
      category: args.category ?? null,
      after_seq: args.after_seq ?? null,
    },
    capacity_info: ctx.orchestrator.events.capacityInfo(),
  };
}

/**
 * The first frame, then new matching events in small batches. Subscribing and the first query
 * happen in one synchronous step, so no event falls between them. The stream ends (with a last
 * frame) once serve's shutdown is complete, or silently when the client has gone.
 */
async function follow(
  ctx: ServerContext,
  args: HistoryArgs,
  filter: EventFilter,
  first: HistoryData,
  send: FrameSink<HistoryData>,
  gone: AbortSignal,
): Promise<void> {
  if (gone.aborted) return;
  const { promise: ended, resolve } = Promise.withResolvers<void>();
  let batch: OrchestratorEvent[] = [];
  let timer: Timer | null = null;
  const sendBatch = (end: boolean) => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!gone.aborted && (batch.length > 0 || end)) send(answer(ctx, args, batch), end);
    batch = [];
  };
  const unsubscribe = ctx.orchestrator.events.subscribe((event) => {
    if (matches(event, filter)) batch.push(event);
    if (event.type === "SHUTDOWN_COMPLETED") {
      sendBatch(true);
      resolve();
    } else if (batch.length > 0 && !timer) {
      timer = setTimeout(() => sendBatch(false), FOLLOW_BATCH_MS);
    }
  });
  const onGone = () => resolve();
  gone.addEventListener("abort", onGone, { once: true });
  send(first, false);
  try {
    await ended;
  } finally {
    unsubscribe();
    if (timer) clearTimeout(timer);
    gone.removeEventListener("abort", onGone);
  }
}

function toFilter(args: HistoryArgs): EventFilter {
  const filter: EventFilter = {};
  if (args.agent !== undefined) filter.agent = args.agent;
  if (args.type !== undefined) filter.type = args.type;
  if (args.category !== undefined) filter.category = args.category;
  if (args.after_seq !== undefined) filter.afterSeq = args.after_seq;
  return filter;
}

// ── argument checks: nothing from the client is trusted ─────────────────────

const HISTORY_ARGS = ["last", "agent", "type", "category", "after_seq", "follow"] as const;

function historyArgs(raw: Record<string, unknown>): HistoryArgs {
  rejectUnknown(raw, HISTORY_ARGS);
  const given = (key: string) => raw[key] !== undefined && raw[key] !== null;
  const args: HistoryArgs = {};
  if (given("last")) args.last = integer(raw.last, "last", 1, HISTORY_LIMITS.maxLast);
  if (given("after_seq")) args.after_seq = integer(raw.after_seq, "after_seq", 0, Number.MAX_SAFE_INTEGER);
  if (given("agent")) args.agent = agentName(raw.agent);
  if (given("type")) args.type = oneOf(raw.type, "type", EVENT_TYPES) as EventType;
  if (given("category")) args.category = oneOf(raw.category, "category", EVENT_CATEGORIES) as EventCategory;
  if (given("follow")) {
    if (typeof raw.follow !== "boolean") throw invalid("follow", "argument 'follow' must be true or false");
    if (raw.follow) args.follow = true;
  }
  return args;
}

function rejectUnknown(raw: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new OrchestratorError("INVALID_ARGUMENT", `unknown argument '${key}'`, { argument: key, expected: known });
  }
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw invalid(name, `argument '${name}' must be a whole number ${range} (got ${JSON.stringify(value)})`, { minimum: min });
  }
  return value;
}

function oneOf(value: unknown, name: string, known: readonly string[]): string {
  if (typeof value !== "string" || !known.includes(value)) {
    // The client's text, of any size, is not echoed back whole.
    const shown = typeof value === "string" ? `'${value.slice(0, 40)}'` : typeof value;
    throw invalid(name, `argument '${name}' must be one of ${known.join(", ")} (got ${shown})`, { allowed: known });
  }
  return value;
}

function agentName(value: unknown): string {
  if (typeof value !== "string" || !RUNNING_AGENT_PATTERN.test(value)) {
    throw invalid("agent", "argument 'agent' must be an agent name (letters, digits, _ . -)");
  }
  return value;
}

function invalid(argument: string, message: string, extra: Record<string, unknown> = {}): OrchestratorError {
  return new OrchestratorError("INVALID_ARGUMENT", message, { argument, ...extra });
}
