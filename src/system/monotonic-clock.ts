// CLOCK_MONOTONIC in microseconds, the clock systemd reads for MONOTONIC_USEC. Bun's own timers
// count from the process's start, not from boot, so the C library's clock_gettime it is.

import { libc } from "./libc.ts";

const CLOCK_MONOTONIC = 1;

/** null where the C library cannot be reached. */
export function monotonicMicros(): bigint | null {
  const c = libc();
  if (!c) return null;
  const timespec = new BigInt64Array(2);
  if (c.clock_gettime(CLOCK_MONOTONIC, timespec) !== 0) return null;
  const [seconds = 0n, nanoseconds = 0n] = timespec;
  return seconds * 1_000_000n + nanoseconds / 1_000n;
}
