// The soak's command line: its options, their defaults and bounds, and the usage text.

import { parseArgs } from "node:util";

export interface Options {
  duration: number;
  agents: number;
  clients: number;
  churners: number;
  churnPauseMs: number;
  clientPauseMs: number;
  warmup: number;
  fdGrowth: number;
  rssGrowth: number;
  maxWorkers: number;
  settleTimeout: number;
  seed: number;
  keep: boolean;
}

export const USAGE = `usage: bun bench/soak.ts [options]
  --duration S         seconds of churn and client load (default 60)
  --agents N           agents in the generated config (default 50)
  --clients N          concurrent clients looping ps/status/stats/report (default 8)
  --churners N         concurrent churn loops: start/stop/restart/kill -9 (default 2)
  --churn-pause-ms MS  mean pause between one churner's actions (default 50)
  --client-pause-ms MS pause between one client's requests (default 2)
  --warmup S           when the fd/RSS baseline is taken (default 20 % of duration, 5..15 s)
  --fd-growth N        fail when serve's fds grew by more than N (default 10)
  --rss-growth PCT     fail when serve's RSS grew by more than PCT % (default 30)
  --max-workers N      orchestrator.max_workers (default 0 = no limit)
  --settle-timeout S   bound for agents to settle after churn (default 30)
  --seed N             seed of the random choices (default random)
  --keep               keep the temp dir (config, serve.log, agent logs) for a post-mortem`;

const STRING = { type: "string" } as const;
const OPTION_SPEC = {
  duration: STRING,
  agents: STRING,
  clients: STRING,
  churners: STRING,
  "churn-pause-ms": STRING,
  "client-pause-ms": STRING,
  warmup: STRING,
  "fd-growth": STRING,
  "rss-growth": STRING,
  "max-workers": STRING,
  "settle-timeout": STRING,
  seed: STRING,
  keep: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export class UsageError extends Error {}

/** The options from argv; --help prints the usage and exits 0; a bad value throws UsageError. */
export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: OPTION_SPEC, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (flag: Exclude<keyof typeof OPTION_SPEC, "keep" | "help">, fallback: number, min: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < min) throw new UsageError(`--${flag} must be a number ≥ ${min} (got ${raw})`);
    return value;
  };
  const duration = number("duration", 60, 5);
  return {
    duration,
    agents: Math.floor(number("agents", 50, 1)),
    clients: Math.floor(number("clients", 8, 0)),
    churners: Math.floor(number("churners", 2, 0)),
    churnPauseMs: number("churn-pause-ms", 50, 0),
    clientPauseMs: number("client-pause-ms", 2, 0),
    warmup: number("warmup", Math.min(15, Math.max(5, duration * 0.2)), 1),
    fdGrowth: number("fd-growth", 10, 0),
    rssGrowth: number("rss-growth", 30, 0),
    maxWorkers: Math.floor(number("max-workers", 0, 0)),
    settleTimeout: number("settle-timeout", 30, 1),
    seed: Math.floor(number("seed", Math.floor(Math.random() * 2 ** 31), 0)),
    keep: values.keep === true,
  };
}
