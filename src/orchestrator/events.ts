// The event history: every event gets a seq, goes to subscribers at once, into an in-memory
// ring of the newest ones (the fast path for reads) and, batched, into the journal on disk.

import type { CapacityInfo } from "../protocol/history.ts";
import type { EventCategory, EventSeverity, EventType, HistoryEvent } from "../protocol/events.ts";
import { type EventCount, type EventFilter, Journal } from "./journal.ts";
import { JournalWriter } from "./journal-writer.ts";

export type { EventCategory, EventSeverity, EventType };
export type { EventFilter };
export type OrchestratorEvent = HistoryEvent;

export type NewEvent = Omit<OrchestratorEvent, "seq" | "timestamp" | "category"> & { category?: EventCategory };

type Listener = (event: OrchestratorEvent) => void;

/** With a journal, memory keeps at most this many of the newest events; older reads go to disk. */
export const MEMORY_WINDOW = 5_000;

export interface HistoryCounts {
  byType: Partial<Record<EventType, number>>;
  bySeverity: Partial<Record<EventSeverity, number>>;
  byCategory: Partial<Record<EventCategory, number>>;
  total: number;
}

function categoryOf(type: EventType): EventCategory {
  if (type.startsWith("AGENT_")) return "AGENT";
  if (type.startsWith("EXECUTION_")) return "EXECUTION";
  if (type.startsWith("COMMAND_")) return "COMMAND";
  return "ORCHESTRATOR";
}

export function matches(event: OrchestratorEvent, filter: EventFilter): boolean {
  return (
    (filter.afterSeq === undefined || event.seq > filter.afterSeq) &&
    (filter.agent === undefined || event.agent === filter.agent) &&
    (filter.type === undefined || event.type === filter.type) &&
    (filter.category === undefined || event.category === filter.category) &&
    (filter.severity === undefined || event.severity === filter.severity)
  );
}

export class EventLog {
  private ring: OrchestratorEvent[] = [];
  private head = 0;
  private ringCapacity: number;
  private seq = 0;
  private readonly listeners = new Set<Listener>();
  /** Null without a journal: memory only. */
  private writer: JournalWriter | null = null;

  constructor(readonly capacity: number) {
    this.ringCapacity = capacity;
  }

  /**
   * Persists the history in the SQLite file at `path`: the newest events come back into memory
   * and seq goes on from the journal's last. A file that cannot be used is reported through
   * `onProblem` (also a later write failure) and the history stays in memory; false then.
   */
  attachJournal(path: string, onProblem: (message: string) => void): boolean {
    if (this.seq > 0 || this.writer) throw new Error("attach the journal before the first event");
    let journal: Journal;
    try {
      journal = Journal.open(path, this.capacity);
    } catch (error) {
      onProblem(`event journal ${path}: ${(error as Error).message}; events are kept in memory only`);
      return false;
    }
    this.writer = new JournalWriter(journal, (error) => {
      onProblem(`event journal ${path}: write failed (${(error as Error).message}); events are kept in memory only from now on`);
      // Memory becomes the history: it keeps `capacity` events from now on.
      this.writer = null;
      this.resizeRing(this.capacity);
    });
    this.seq = journal.lastSeq;
    this.resizeRing(Math.min(this.capacity, MEMORY_WINDOW));
    for (const event of journal.query({}, this.ringCapacity)) this.remember(event);
    return true;
  }

  record(event: NewEvent): OrchestratorEvent {
    const full: OrchestratorEvent = {
      seq: ++this.seq,
      timestamp: new Date().toISOString(),
      category: event.category ?? categoryOf(event.type),
      type: event.type,
      agent: event.agent,
      severity: event.severity,
      details: event.details,
    };
    this.remember(full);
    this.writer?.push(full);
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /** The newest `limit` events that match, oldest first: from memory when it holds them, else from the journal. */
  query(filter: EventFilter, limit: number): OrchestratorEvent[] {
    const found: OrchestratorEvent[] = [];
    let reachedStart = false;
    for (let i = this.ring.length - 1; i >= 0 && found.length < limit; i--) {
      const event = this.ring[(this.head + i) % this.ring.length] as OrchestratorEvent;
      if (filter.afterSeq !== undefined && event.seq <= filter.afterSeq) {
        reachedStart = true;
        break;
      }
      if (matches(event, filter)) found.push(event);
    }
    if (found.length >= limit || reachedStart || !this.needsDisk()) return found.reverse();
    const writer = this.flushedWriter();
    if (!writer) return this.query(filter, limit);
    // Events a busy journal could not take yet are newer than everything in it.
    const unwritten = writer.unwritten.filter((event) => matches(event, filter));
    return [...writer.journal.query(filter, limit, this.floor()), ...unwritten].slice(-limit);
  }

  /** Counts of the events kept, optionally of one agent. */
  counts(agent?: string): HistoryCounts {
    const counts: HistoryCounts = { byType: {}, bySeverity: {}, byCategory: {}, total: 0 };
    const add = (category: EventCategory, type: EventType, severity: EventSeverity, n: number) => {
      counts.byType[type] = (counts.byType[type] ?? 0) + n;
      counts.bySeverity[severity] = (counts.bySeverity[severity] ?? 0) + n;
      counts.byCategory[category] = (counts.byCategory[category] ?? 0) + n;
      counts.total += n;
    };
    const writer = this.needsDisk() ? this.flushedWriter() : null;
    const inMemory = writer ? writer.unwritten : this.ring;
    for (const row of writer?.journal.counts(agent, this.floor()) ?? ([] as EventCount[])) add(row.category, row.type, row.severity, row.n);
    for (const event of inMemory) if (agent === undefined || event.agent === agent) add(event.category, event.type, event.severity, 1);
    return counts;
  }

  capacityInfo(): CapacityInfo {
    return { current_size: this.size, capacity: this.capacity, storage: this.writer ? "journal" : "memory" };
  }

  /** Events in memory, oldest first. */
  all(): OrchestratorEvent[] {
    return this.head === 0 ? this.ring.slice() : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  /** Events kept: in the journal (and about to be), else in memory. */
  get size(): number {
    if (!this.writer) return this.ring.length;
    return Math.min(this.capacity, this.writer.journal.count + this.writer.unwritten.length);
  }

  /** Events recorded since the history began (the journal's first event), dropped ones included. */
  get totalRecorded(): number {
    return this.seq;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes every pending event now. */
  flush(): void {
    this.writer?.flush();
  }

  /** Flushes and closes the journal; later events stay in memory. */
  close(): void {
    this.writer?.close();
    this.writer = null;
  }

  // ── internals ────────────────────────────────────────────────────────────

  private remember(event: OrchestratorEvent): void {
    if (this.ring.length < this.ringCapacity) this.ring.push(event);
    else {
      this.ring[this.head] = event;
      this.head = (this.head + 1) % this.ringCapacity;
    }
  }

  private resizeRing(capacity: number): void {
    const kept = this.all().slice(-capacity);
    this.ring = kept;
    this.head = 0;
    this.ringCapacity = capacity;
  }

  /** Memory does not hold every event kept: older ones are only in the journal. */
  private needsDisk(): boolean {
    return this.writer !== null && this.ring.length < this.size;
  }

  /** Events at or below this seq are beyond capacity. */
  private floor(): number {
    return Math.max(0, this.seq - this.capacity);
  }

  /** The writer once everything pending is written (null if the journal failed meanwhile). */
  private flushedWriter(): JournalWriter | null {
    this.writer?.flush();
    return this.writer;
  }
}
