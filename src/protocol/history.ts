// `history` and `history-stats`: their arguments, answers and bounds.

import type { EventCategory, EventSeverity, EventType, HistoryEvent } from "./events.ts";

/** `history`: filters (all optional, combined with AND); `follow` streams new events after the first answer. */
export interface HistoryArgs {
  last?: number;
  agent?: string;
  type?: EventType;
  category?: EventCategory;
  after_seq?: number;
  follow?: boolean;
}

/** How full the event history is; `storage` is "journal" (events.db) or "memory" (journal unusable). */
export interface CapacityInfo {
  current_size: number;
  capacity: number;
  storage: "journal" | "memory";
}

export interface HistoryData {
  events: HistoryEvent[];
  count: number;
  filters: { last: number | null; agent: string | null; type: EventType | null; category: EventCategory | null; after_seq: number | null };
  capacity_info: CapacityInfo;
}

export interface HistoryStatsData {
  statistics: {
    /** Events kept that match the agent filter, by type, by severity and by category. */
    by_type: Partial<Record<EventType, number>>;
    by_severity: Partial<Record<EventSeverity, number>>;
    by_category: Partial<Record<EventCategory, number>>;
    total: number;
  };
  /** total_events: recorded since the journal began, including those dropped for capacity. */
  capacity_info: CapacityInfo & { total_events: number };
  agent_filter: string | null;
}

/** Bounds of `history` arguments, checked by the server. */
export const HISTORY_LIMITS = { maxLast: 10_000, followDefaultLast: 10 } as const;
