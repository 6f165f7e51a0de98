// Child subreaper (Linux ≥ 3.4): orphans among this process's descendants — a daemon that
// double-forked, a background child whose parent exited — are re-parented to us instead of to
// init, so we can reap them and they stay where their agent can be found.

import { errno, errnoName, libc, libcProblem } from "./libc.ts";

const PR_SET_CHILD_SUBREAPER = 36;

export type SubreaperOutcome = { ok: true } | { ok: false; reason: string };

export function becomeSubreaper(): SubreaperOutcome {
  const c = libc();
  if (!c) return { ok: false, reason: libcProblem() ?? "no C library" };
  if (c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0) return { ok: true };
  return { ok: false, reason: `prctl(PR_SET_CHILD_SUBREAPER): ${errnoName(errno())}` };
}
