// The soak's report on stdout: requests by command with latencies and outcomes, kills, restarts,
// serve's fds and memory, then each verdict and PASS or FAIL.

import { fmt, percentile } from "../lib/measure.ts";
import { FDS_PER_LIVE_AGENT } from "./quiet.ts";
import type { Measure, Run, Sample } from "./run.ts";
import { bump } from "./tally.ts";
import type { Verdict } from "./verdicts.ts";

export interface Facts {
  churnSeconds: number;
  baseline: Measure | null;
  end: Measure | null;
  restarts: number | null;
  executions: string;
}

/** Bytes in MiB, labelled "MB" as the soak has always printed them. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** RSS slope over the churn phase (MB per minute), least squares: informative, not a verdict. */
function rssTrend(samples: readonly Sample[]): number {
  if (samples.length < 3) return 0;
  const t0 = samples[0]?.at ?? 0;
  const xs = samples.map((sample) => (sample.at - t0) / 60_000);
  const ys = samples.map((sample) => sample.rss / 1024 / 1024);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] ?? my) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

export function printReport(run: Run, facts: Facts, verdicts: Verdict[]): void {
  const { options, tally } = run;
  const roles = new Map<string, number>();
  for (const plan of run.plans) bump(roles, plan.role);
  const out: string[] = [];
  out.push(
    `pyorchestrate soak — ${facts.churnSeconds.toFixed(0)} s of churn, ${options.agents} agents, ${options.clients} clients, ${options.churners} churners, seed ${options.seed}`,
    `agents: ${[...roles].map(([role, count]) => `${count} ${role}`).join(", ")}`,
    "",
    `${"command".padEnd(9)}${"sent".padStart(8)}${"answered".padStart(10)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"max ms".padStart(9)}  outcomes`,
  );
  const order = ["ps", "status", "stats", "report", "start", "stop", "restart"];
  const commands = [...new Set([...order, ...tally.sent.keys(), ...tally.outcomes.keys()])].filter(
    (command) => tally.sent.has(command) || tally.outcomes.has(command),
  );
  for (const command of commands) {
    const lat = tally.latencies.get(command) ?? [];
    const outcomes = [...(tally.outcomes.get(command) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(", ");
    out.push(
      `${command.padEnd(9)}${String(tally.sent.get(command) ?? 0).padStart(8)}${String(tally.answered.get(command) ?? 0).padStart(10)}` +
        `${percentile(lat, 50).toFixed(1).padStart(9)}${percentile(lat, 99).toFixed(1).padStart(9)}${Math.max(0, ...lat)
          .toFixed(1)
          .padStart(9)}  ${outcomes}`,
    );
  }
  const peakRss = Math.max(0, ...run.samples.map((sample) => sample.rss));
  const peakFds = Math.max(0, ...run.samples.map((sample) => sample.fds));
  const measured = (measure: Measure | null) => (measure ? `${measure.fds} (${measure.rawFds} raw, ${measure.live} live agents) / ${mb(measure.rss)}` : "n/a");
  out.push(
    "(a stop or restart of a 'stubborn' agent waits its stop_timeout of 1 s for the SIGKILL)",
    "",
    `kill -9: ${run.kills.leaders} agent pids, ${run.kills.descendants} descendants; restarts (ps total at end): ${facts.restarts ?? "n/a"}; distinct agent pids seen in ps: ${run.pidsSeen.size}`,
    `executions (report): ${facts.executions}`,
    `serve fds (less ${FDS_PER_LIVE_AGENT}/live agent and open agent logs) / RSS — baseline after ${options.warmup}s warm-up: ${measured(facts.baseline)}; end: ${measured(facts.end)}`,
    `serve peaks (1 s samples): ${peakFds} fds, ${mb(peakRss)} RSS; RSS trend during churn ${fmt.signed(rssTrend(run.samples), 1)} MB/min`,
    "",
  );
  for (const verdict of verdicts) {
    out.push(`${verdict.ok ? "✓" : "✗"} ${verdict.name}: ${verdict.summary}`);
    for (const detail of verdict.details.slice(0, 15)) out.push(`    ${detail}`);
    if (verdict.details.length > 15) out.push(`    … ${verdict.details.length - 15} more`);
  }
  out.push(verdicts.every((verdict) => verdict.ok) ? "PASS" : "FAIL");
  console.log(out.join("\n"));
}
