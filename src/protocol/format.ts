// Human forms of numbers that travel on the wire beside their numeric twins.

/** `HH:MM:SS`, with days as `2d 03:04:05`. */
export function formatUptime(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const rest = seconds % 60;
  const clock = [hours, minutes, rest].map((n) => String(n).padStart(2, "0")).join(":");
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** `45.2 MB` (decimal megabytes, one decimal place, as the reference shows them). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `2.3%`. */
export function formatPercent(percent: number): string {
  return `${(Math.round(percent * 10) / 10).toFixed(1)}%`;
}

/** `1,247`: whole number with a comma every three digits, whatever the machine's locale. */
export function groupThousands(n: number): string {
  const whole = Math.round(n);
  const digits = String(Math.abs(whole)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return whole < 0 ? `-${digits}` : digits;
}

/** `125ms`; under 10 ms one decimal (`0.4ms`) so small figures do not read as zero. */
export function formatMilliseconds(ms: number): string {
  const tenths = Math.round(ms * 10) / 10;
  if (tenths === 0) return "0ms";
  return tenths < 10 ? `${tenths.toFixed(1)}ms` : `${Math.round(ms)}ms`;
}

/** How long a run took: "4ms" below a second (a quick run is not "0.0s"), else "1.2s". */
export function formatDuration(ms: number): string {
  return ms < 999.5 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
