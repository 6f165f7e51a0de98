// One garbage collection once serve has gone quiet: what Bun's GC timer did, switched off for serve
// by system/quiet-runtime.ts, in one collection instead of one a second for some 30 s.

/** Quiet for this long (no event: no request answered, no agent changed) and the heap is collected. */
export const QUIET_MS = 2_000;

export interface IdleCollector {
  /** Something happened (an event was recorded): collect once it has been quiet for QUIET_MS. */
  note(): void;
  dispose(): void;
}

/**
 * Bun.gc(false): a full collection, ~3 ms at 500 agents. Bun.gc(true) also drops compiled code and
 * returns freed memory to the system: 5 MB less RSS at 500 agents, but 18-35 ms of CPU each time
 * (bench/FOOTPRINT.md).
 */
export function collectWhenQuiet(collect: () => void = () => Bun.gc(false), quietMs = QUIET_MS): IdleCollector {
  let activity = 0;
  let seen = 0;
  let timer: Timer | null = null;
  // A counter, not a timer re-armed per event: under load this costs an increment per event.
  const check = () => {
    if (activity !== seen) {
      seen = activity;
      timer = setTimeout(check, quietMs).unref();
      return;
    }
    timer = null;
    collect();
  };
  return {
    note() {
      activity++;
      if (timer) return;
      seen = activity;
      // unref: a pending collection must never be what keeps a finished serve alive.
      timer = setTimeout(check, quietMs).unref();
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
