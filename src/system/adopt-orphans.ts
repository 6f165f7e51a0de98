// Entrypoint-grade care for the orphans under a supervisor: become a child subreaper so that a
// descendant that daemonizes stays under us (where its agent's sweep finds it) instead of
// escaping to init, and reap whatever we adopt. As PID 1 every orphan in the namespace is ours
// anyway, so the reaper runs even where the subreaper flag cannot be set.

import { type OrphanReaper, startOrphanReaper } from "./orphan-reaper.ts";
import { becomeSubreaper } from "./subreaper.ts";

export interface Adoption {
  /** Null when nothing is adopted here (no subreaper, not PID 1) or the reaper cannot run. */
  reaper: OrphanReaper | null;
  /** One line for the log when the care is not (fully) there; null when it is. */
  warning: string | null;
}

export function adoptOrphans(onProblem: (message: string) => void): Adoption {
  const subreaper = becomeSubreaper();
  const pid1 = process.pid === 1;
  if (!subreaper.ok && !pid1) {
    return {
      reaper: null,
      warning: `cannot become a child subreaper (${subreaper.reason}): daemons that agents start are re-parented to init, not serve`,
    };
  }
  const reaper = startOrphanReaper({ onProblem: (message) => onProblem(`orphan reaper: ${message}`) });
  if ("problem" in reaper) {
    return { reaper: null, warning: `cannot reap adopted orphans (${reaper.problem}): they stay zombies until serve exits` };
  }
  return { reaper, warning: null };
}
