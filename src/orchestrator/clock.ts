// The orchestrator's wall clock: real time, or real time shifted by PYORCHESTRATE_FAKE_NOW for tests.
//
// PYORCHESTRATE_FAKE_NOW is a testing aid, not an operator setting: an ISO time (with no offset
// it is local time, e.g. "2025-10-26T02:55:30") at which the clock starts; it then advances in
// real time. Read once, at load. Timers stay real: a delay is the difference of two now()
// values, so a schedule due at fake 03:00 from fake 02:59:58 fires after a real 2 seconds.

/** Milliseconds from Date.now() to the clock's time for PYORCHESTRATE_FAKE_NOW (0 when unset). */
export function fakeNowOffset(text: string | undefined, realNow: number): number {
  if (text === undefined || text.trim() === "") return 0;
  const at = Date.parse(text.trim());
  // Date.parse also takes loose forms ("1", "March 7"); insist on an ISO date first.
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(at)) {
    throw new Error(`PYORCHESTRATE_FAKE_NOW: "${text}" is not an ISO time (e.g. 2025-10-26T02:55:00)`);
  }
  return at - realNow;
}

// An invalid value fails at load: a test that meant to fake the time must not run on real time.
const offset = fakeNowOffset(process.env.PYORCHESTRATE_FAKE_NOW, Date.now());

/** The current time (ms since the epoch). */
export function now(): number {
  return Date.now() + offset;
}

/** How far the clock is from real time (ms); non-zero only under PYORCHESTRATE_FAKE_NOW. */
export function clockOffset(): number {
  return offset;
}

/** Milliseconds from now until `when` (a now()-based time), never negative: for setTimeout. */
export function delayUntil(when: number): number {
  return Math.max(0, when - now());
}

/** A random delay in [0, maxSeconds) seconds, in whole ms; 0 when maxSeconds is not positive. */
export function jitterMs(maxSeconds: number, random: () => number = Math.random): number {
  if (!(maxSeconds > 0)) return 0;
  const maxMs = Math.floor(maxSeconds * 1000);
  const ms = Math.floor(random() * maxMs) || 0;
  // Clamped so a source that answers 1 (or anything outside [0, 1)) still stays in bounds.
  return Math.min(Math.max(0, ms), Math.max(0, maxMs - 1));
}
