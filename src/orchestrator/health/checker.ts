// The verdict of one check over time, as k8s probes reach it: healthy after successThreshold
// successes in a row, unhealthy after failureThreshold failures in a row, unknown before either.
// No timers here: the caller records each result as it comes.

export interface HealthThresholds {
  /** Consecutive successes that make an unknown or unhealthy check healthy (≥ 1). */
  successThreshold: number;
  /** Consecutive failures that make an unknown or healthy check unhealthy (≥ 1). */
  failureThreshold: number;
}

export type HealthTransition = "became-healthy" | "became-unhealthy";

export interface RecordedResult {
  ok: boolean;
  message: string;
  /** Epoch milliseconds. */
  at: number;
}

export class HealthCounter {
  private state: boolean | null = null;
  private successes = 0;
  private failures = 0;
  private latest: RecordedResult | null = null;

  constructor(private readonly thresholds: HealthThresholds) {
    for (const [name, value] of Object.entries(thresholds)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
    }
  }

  /** null until a threshold is first reached. */
  get healthy(): boolean | null {
    return this.state;
  }

  get consecutiveSuccesses(): number {
    return this.successes;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  get last(): RecordedResult | null {
    return this.latest;
  }

  /** Counts one result; names the transition it caused, if any. */
  record(result: { ok: boolean; message: string }, at: number = Date.now()): HealthTransition | null {
    this.latest = { ok: result.ok, message: result.message, at };
    if (result.ok) {
      this.successes++;
      this.failures = 0;
      if (this.state !== true && this.successes >= this.thresholds.successThreshold) {
        this.state = true;
        return "became-healthy";
      }
    } else {
      this.failures++;
      this.successes = 0;
      if (this.state !== false && this.failures >= this.thresholds.failureThreshold) {
        this.state = false;
        return "became-unhealthy";
      }
    }
    return null;
  }

  /** Back to unknown, for a new run of the agent. */
  reset(): void {
    this.state = null;
    this.successes = 0;
    this.failures = 0;
    this.latest = null;
  }
}
