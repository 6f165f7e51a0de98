// The persisted event journal: bun:sqlite in WAL mode, appended in batches (one transaction
// each), trimmed to capacity by deleting a prefix of seqs. Synchronous, like bun:sqlite itself.

import { closeSync, existsSync, openSync } from "node:fs";
import { Database, type Statement } from "bun:sqlite";
import type { EventCategory, EventSeverity, EventType, HistoryEvent } from "../protocol/events.ts";
import { COLUMNS, type EventRow, fromRow, JOURNAL_FORMAT, SCHEMA, toRow } from "./journal-schema.ts";

/** What `history` and `history-stats` may filter on; every field narrows (AND). */
export interface EventFilter {
  agent?: string;
  type?: EventType;
  category?: EventCategory;
  severity?: EventSeverity;
  /** Only events with a greater seq. */
  afterSeq?: number;
}

export interface EventCount {
  category: EventCategory;
  type: EventType;
  severity: EventSeverity;
  n: number;
}

/** A journal that cannot be used; the message says why (for serve's log). */
export class JournalError extends Error {
  override name = "JournalError";
  constructor(
    message: string,
    /** SQLITE_BUSY: another process holds the write lock for now; worth another try later. */
    readonly transient = false,
  ) {
    super(message);
  }
}

export class Journal {
  /** Highest seq written (0 for a new journal): the next serve goes on from here. */
  lastSeq: number;
  /** Rows kept. */
  count: number;
  private readonly insert: Statement;
  private readonly trim: Statement;
  private readonly appendBatch: (rows: EventRow[]) => number;

  private constructor(
    private readonly db: Database,
    readonly path: string,
    readonly capacity: number,
  ) {
    const state = db.query("SELECT COALESCE(MAX(seq), 0) AS last, COUNT(*) AS count FROM events").get() as { last: number; count: number };
    this.lastSeq = state.last;
    this.count = state.count;
    this.insert = db.prepare(`INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.trim = db.prepare("DELETE FROM events WHERE seq <= ?");
    this.appendBatch = db.transaction((rows: EventRow[]) => {
      for (const row of rows) this.insert.run(row.seq, row.timestamp, row.category, row.type, row.agent, row.severity, row.details);
      const newest = rows.at(-1)?.seq ?? this.lastSeq;
      return this.trim.run(newest - capacity).changes;
    });
    // A capacity lowered since the last serve takes effect now.
    if (this.count > capacity) this.count -= this.trim.run(this.lastSeq - capacity).changes;
  }

  /**
   * Opens (creating it if needed) and checks the file: not a database, corrupt, written by a
   * newer format, or not writable all throw a JournalError saying so. Nothing is deleted.
   */
  static open(path: string, capacity: number): Journal {
    let db: Database | undefined;
    try {
      // Owner-only from the first byte (SQLite gives its -wal and -shm files the same mode): the
      // audit trail names commands and agents.
      if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
      db = new Database(path, { create: true, readwrite: true, strict: true });
      const { user_version: format } = db.query("PRAGMA user_version").get() as { user_version: number };
      if (format > JOURNAL_FORMAT) throw new JournalError(`written by a newer pyorchestrate (format ${format}, this one knows ${JOURNAL_FORMAT})`);
      db.run("PRAGMA journal_mode = WAL");
      // Commits do not wait for fsync (checkpoints do): a power cut may lose the last batches, never the file.
      db.run("PRAGMA synchronous = NORMAL");
      const check = db.query("PRAGMA quick_check(1)").get() as { quick_check: string } | null;
      if (check?.quick_check !== "ok") throw new JournalError(`corrupt (${check?.quick_check ?? "quick_check gave nothing"})`);
      // Setting user_version writes the header: a read-only file fails here rather than at the first event.
      db.transaction(() => {
        for (const statement of SCHEMA) db?.run(statement);
        db?.run(`PRAGMA user_version = ${JOURNAL_FORMAT}`);
      })();
      db.query(`SELECT ${COLUMNS} FROM events LIMIT 0`).all();
      return new Journal(db, path, capacity);
    } catch (error) {
      closeQuietly(db);
      throw error instanceof JournalError ? error : new JournalError(describe(error));
    }
  }

  /** Writes `events` (ascending seq) in one transaction and drops what falls beyond capacity. */
  append(events: readonly HistoryEvent[]): void {
    if (events.length === 0) return;
    try {
      const trimmed = this.appendBatch(events.map(toRow));
      this.lastSeq = (events.at(-1) as HistoryEvent).seq;
      this.count += events.length - trimmed;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new JournalError(describe(error), code === "SQLITE_BUSY" || code === "SQLITE_LOCKED");
    }
  }

  /** The newest `limit` events that match, with seq above `floor`, oldest first. */
  query(filter: EventFilter, limit: number, floor = 0): HistoryEvent[] {
    const { clause, params } = where(filter, floor);
    const rows = this.db.query(`SELECT ${COLUMNS} FROM events WHERE ${clause} ORDER BY seq DESC LIMIT ?`).all(...params, limit) as EventRow[];
    return rows.reverse().map(fromRow);
  }

  /** Events with seq above `floor` by category, type and severity (optionally of one agent). */
  counts(agent: string | undefined, floor = 0): EventCount[] {
    const { clause, params } = where(agent === undefined ? {} : { agent }, floor);
    const sql = `SELECT category, type, severity, COUNT(*) AS n FROM events WHERE ${clause} GROUP BY category, type, severity`;
    return this.db.query(sql).all(...params) as EventCount[];
  }

  /** Finalizes every statement and closes at once, so the WAL is checkpointed into the file. */
  close(): void {
    closeQuietly(this.db);
  }
}

function closeQuietly(db: Database | undefined): void {
  try {
    db?.close(true);
  } catch {
    // closing a broken handle: nothing more to lose
  }
}

function where(filter: EventFilter, floor: number): { clause: string; params: Array<string | number> } {
  const parts = ["seq > ?"];
  const params: Array<string | number> = [Math.max(floor, filter.afterSeq ?? 0)];
  for (const column of ["agent", "type", "category", "severity"] as const) {
    const value = filter[column];
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    params.push(value);
  }
  return { clause: parts.join(" AND "), params };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
