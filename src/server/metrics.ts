// The command interface's own measured figures, for `report`.

export class CommandMetrics {
  private processed = 0;
  private errors = 0;
  private totalMs = 0;

  observe(durationMs: number, failed: boolean): void {
    this.processed++;
    this.totalMs += durationMs;
    if (failed) this.errors++;
  }

  snapshot(): { messages_processed: number; average_response_time_ms: number; error_rate: number } {
    return {
      messages_processed: this.processed,
      average_response_time_ms: this.processed === 0 ? 0 : Math.round((this.totalMs / this.processed) * 1000) / 1000,
      error_rate: this.processed === 0 ? 0 : Math.round((this.errors / this.processed) * 10_000) / 10_000,
    };
  }
}
