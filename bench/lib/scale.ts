// pyorchestrate alone, from 10 to 2000 agents: how bring-up, `ps` from a fresh CLI, serve's
// memory and stop-all grow with N (issue 12.5: nothing may grow faster than linearly). Each N is
// one run of the same scenario as the side-by-side tables, without the idle window and kills.

import { fmt } from "./measure.ts";
import { runScenario, type ScenarioResult } from "./scenario.ts";
import { Pyorchestrate } from "./tool-pyorchestrate.ts";

export const SCALE_COUNTS = [10, 100, 500, 1000, 2000];

export async function measureScale(marker: string, counts: number[], log: (line: string) => void): Promise<ScenarioResult[]> {
  const tool = new Pyorchestrate();
  await tool.prepare();
  const results: ScenarioResult[] = [];
  for (const n of counts) {
    log(`  scale: N=${n}`);
    results.push(await runScenario(tool, n, `${marker}.scale${n}`, { statusSamples: 5, idleSeconds: 1, kills: 0, minAgentAgeMs: 0, timeoutMs: 180_000 }, log));
  }
  return results;
}

interface Measure {
  label: string;
  value(result: ScenarioResult): number;
  show(value: number): string;
}

const MEASURES: Measure[] = [
  { label: "all N up and reported running", value: (r) => r.upMs, show: fmt.ms },
  { label: "`ps --json` from a fresh CLI process, median", value: (r) => r.statusMs, show: fmt.ms },
  { label: "serve's RSS", value: (r) => r.memoryBytes, show: fmt.mb },
  { label: "… anonymous RSS (heap, stacks)", value: (r) => r.memoryAnonBytes, show: fmt.mb },
  { label: "stop all, every pid reaped", value: (r) => r.stopMs, show: fmt.ms },
];

/**
 * The table, the cost per added agent in the lower and upper part of the range, and the growth
 * from N/2 to N as an exponent: f grows like N^k, k = log(f(N) / f(N/2)) / log(2). k ≤ 1 is
 * linear or better (fixed costs spread out); k well above 1 grows faster than N.
 */
export function scaleSection(results: ScenarioResult[]): string[] {
  const sorted = [...results].sort((a, b) => a.n - b.n);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (!first || !last || sorted.length < 3) return [];
  const middle = sorted.reduce((best, r) => (Math.abs(r.n - last.n / 2) < Math.abs(best.n - last.n / 2) ? r : best), first);
  const lines = [
    "## pyorchestrate alone: growth with N",
    "",
    `| measurement | ${sorted.map((r) => `N = ${r.n}`).join(" | ")} | per added agent, ${first.n}→${middle.n} | per added agent, ${middle.n}→${last.n} | growth ${middle.n}→${last.n} |`,
    `|---|${sorted.map(() => "---").join("|")}|---|---|---|`,
  ];
  for (const measure of MEASURES) {
    const lower = (measure.value(middle) - measure.value(first)) / (middle.n - first.n);
    const upper = (measure.value(last) - measure.value(middle)) / (last.n - middle.n);
    const exponent = Math.log(measure.value(last) / measure.value(middle)) / Math.log(last.n / middle.n);
    // Up to 1.2: linear within the noise of one run; above: say so.
    const verdict = exponent <= 1.2 ? `linear or better (N^${exponent.toFixed(2)})` : `**faster than linear** (N^${exponent.toFixed(2)})`;
    const per = (value: number) => (measure.show === fmt.mb ? `${(value / 1024).toFixed(1)} KiB` : `${value.toFixed(3)} ms`);
    lines.push(`| ${measure.label} | ${sorted.map((r) => measure.show(measure.value(r))).join(" | ")} | ${per(lower)} | ${per(upper)} | ${verdict} |`);
  }
  lines.push(
    "",
    "Each N is one run of pyorchestrate alone (`sleep 86400` agents, 5 `ps` samples). Growth: the figure goes like N^k between the two " +
      "largest N; k ≤ 1 is linear or better (fixed costs spread out), k above 1.2 would mean something grows faster than the number of agents.",
    "",
  );
  return lines;
}
