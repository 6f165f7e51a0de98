// The Prometheus text exposition format (version 0.0.4): HELP and TYPE once per family, then
// its samples, label values escaped. Built as one array of lines, joined once.

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "histogram";

/** Label text as it goes between the braces, built once and reused: `agent="X"`. */
export function label(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`;
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : value;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export class Exposition {
  private readonly lines: string[] = [];

  /** Opens a family: every sample of `name` must follow before the next family. */
  family(name: string, type: MetricType, help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** `labels`: already-built label text (see `label`), joined with commas; "" for none. */
  sample(name: string, labels: string, value: number): this {
    this.lines.push(labels === "" ? `${name} ${formatValue(value)}` : `${name}{${labels}} ${formatValue(value)}`);
    return this;
  }

  /** One histogram series: cumulative buckets (`counts[i]` observations ≤ `bounds[i]`), +Inf, sum and count. */
  histogram(name: string, labels: string, bounds: readonly number[], counts: ArrayLike<number>, sum: number, count: number): this {
    const prefix = labels === "" ? "" : `${labels},`;
    let cumulative = 0;
    bounds.forEach((bound, i) => {
      cumulative += counts[i] ?? 0;
      this.lines.push(`${name}_bucket{${prefix}le="${formatValue(bound)}"} ${cumulative}`);
    });
    this.lines.push(`${name}_bucket{${prefix}le="+Inf"} ${count}`);
    this.sample(`${name}_sum`, labels, sum);
    return this.sample(`${name}_count`, labels, count);
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}
