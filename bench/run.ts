// The published benchmark (not part of npm test): pyorchestrate side by side with supervisord,
// pm2, s6 and runit, each supervising N identical `sleep` agents under its own temporary
// directory and socket. Writes bench/RESULTS.md.
//
//   npm run bench                      # the full run (under 10 minutes on 2 cores)
//   node_modules/.bin/bun bench/run.ts --quick --out /tmp/RESULTS.md   # a smoke run (under 2 min)
//   ... --tools pyorchestrate,supervisord --n 10,100 --rounds 1 --no-extras
//
// Tools missing here are installed: supervisor, s6 and runit with apt-get (their own system
// services kept from starting), pm2 with npm into a temporary directory. Every process the bench
// starts is ended by its pid (or found by this run's environment marker), never by name.

import { readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type CliFloor, measureCliFloor } from "./lib/cli-floor.ts";
import { type Extras, runExtras } from "./lib/extras.ts";
import { mustRun } from "./lib/measure.ts";
import { writeResults } from "./lib/report.ts";
import { measureScale, SCALE_COUNTS } from "./lib/scale.ts";
import type { Plan } from "./lib/summary.ts";
import { activeRuns, runScenario, type ScenarioResult } from "./lib/scenario.ts";
import { removeLeftBehind, type Tool } from "./lib/tool.ts";
import { Pm2 } from "./lib/tool-pm2.ts";
import { Pyorchestrate } from "./lib/tool-pyorchestrate.ts";
import { Supervisord } from "./lib/tool-supervisord.ts";
import { Svdir } from "./lib/tool-svdir.ts";

const USAGE = `usage: bun bench/run.ts [--quick] [--tools LIST] [--n LIST] [--rounds N] [--idle S] [--idle-500 S] [--no-extras] [--budget S] [--out FILE] [--report FILE]
  --tools     comma-separated: pyorchestrate,supervisord,pm2,s6,runit (default: all five)
  --n         agent counts (default 10,100,500)
  --rounds    rounds at each N, tools in a rotated order each round (default 1; 2 at N=500)
  --idle      seconds of the idle-CPU window (default 10)
  --idle-500  seconds of the idle-CPU window at N=500 in the first round (default 30, as the issue asks)
  --no-extras skip pyorchestrate's load, N=1000 and /metrics measurements, its growth from N=10 to 2000, and the CLI against the hello-world floor
  --quick     N=10, one round, 3-s windows, ps at N=200: a smoke run (under 2 minutes)
  --budget    seconds after which no further run is started (default 720, so the whole bench ends within about 13 minutes)
  --out       where to write the results (default bench/RESULTS.md); the raw figures go to a JSON file in the temp directory
  --report FILE  only write the results again from such a JSON file`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean" },
    tools: { type: "string" },
    n: { type: "string" },
    rounds: { type: "string" },
    idle: { type: "string" },
    "idle-500": { type: "string" },
    "no-extras": { type: "boolean" },
    out: { type: "string" },
    budget: { type: "string" },
    report: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const out = resolve(values.out ?? resolve(import.meta.dir, "RESULTS.md"));
if (values.report) {
  const raw = JSON.parse(readFileSync(values.report, "utf8")) as {
    plan: Plan;
    results: ScenarioResult[];
    extras: Extras | null;
    cliFloor?: CliFloor | null;
    scale?: ScenarioResult[];
  };
  writeResults(out, raw.plan, raw.results, raw.extras, raw.cliFloor ?? null, raw.scale ?? []);
  console.log(`wrote ${out} from ${values.report}`);
  process.exit(0);
}

const quick = values.quick === true;
const ALL_TOOLS: Record<string, () => Tool> = {
  pyorchestrate: () => new Pyorchestrate(),
  supervisord: () => new Supervisord(),
  pm2: () => new Pm2(),
  s6: () => new Svdir("s6"),
  runit: () => new Svdir("runit"),
};
const list = (text: string | undefined, fallback: string) =>
  (text ?? fallback)
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
const toolNames = list(values.tools, Object.keys(ALL_TOOLS).join(","));
for (const name of toolNames) if (!(name in ALL_TOOLS)) throw new Error(`unknown tool '${name}'\n${USAGE}`);
const counts = list(values.n, quick ? "10" : "10,100,500").map(Number);
const idleSeconds = Number(values.idle ?? (quick ? 3 : 10));
const idleAt500 = Number(values["idle-500"] ?? (quick ? 3 : 30));
const roundsAt = (n: number) => Number(values.rounds ?? (quick ? 1 : n >= 500 ? 2 : 1));
const budgetSeconds = Number(values.budget ?? 720);
const overBudget = () => (performance.now() - benchStarted) / 1000 > budgetSeconds;
const benchStarted = performance.now();
const runId = `${process.pid}.${Date.now()}`;
const log = (line: string) => process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

// Ctrl+C (or SIGTERM): end what the current run started, then stop.
let interrupted = false;
const interrupt = async () => {
  if (interrupted) return;
  interrupted = true;
  log("interrupted: cleaning up");
  await Promise.allSettled([...activeRuns].map((run) => run.teardown()));
  removeLeftBehind();
  process.exit(130);
};
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

// ── the tools ────────────────────────────────────────────────────────────
const tools: Tool[] = [];
const unavailable: Record<string, string> = {};
for (const name of toolNames) {
  const tool = (ALL_TOOLS[name] as () => Tool)();
  try {
    await tool.prepare();
    tools.push(tool);
    log(`${tool.name} ${tool.version}`);
  } catch (error) {
    unavailable[name] = (error as Error).message;
    log(`${name}: not measured (${(error as Error).message})`);
  }
}

// ── the runs: every N, rounds with the tools in a rotated order ─────────
const results: ScenarioResult[] = [];
const failures: string[] = [];
// ── the CLI against the runtime's floor, first, on a machine nothing else of the bench loads yet ──
let cliFloor: CliFloor | null = null;
if (values["no-extras"] !== true && tools.some((tool) => tool.name === "pyorchestrate")) {
  log("pyorchestrate: the CLI against a hello world built with the same flags");
  try {
    cliFloor = await measureCliFloor(runId, quick ? 5 : 15, log);
  } catch (error) {
    failures.push(`pyorchestrate CLI floor: ${(error as Error).message}`);
    log(`  FAILED: ${(error as Error).message}`);
  }
}

let sequence = 0;
for (const [countIndex, n] of counts.entries()) {
  for (let round = 0; round < roundsAt(n); round++) {
    const shift = (round + countIndex) % tools.length;
    const order = [...tools.slice(shift), ...tools.slice(0, shift)];
    for (const tool of order) {
      if (overBudget()) {
        failures.push(`${tool.name} N=${n} round ${round + 1}: not run, the bench was past its ${budgetSeconds}-s budget`);
        continue;
      }
      const window = n >= 500 && round === 0 ? idleAt500 : idleSeconds;
      log(`N=${n} round ${round + 1}: ${tool.name}`);
      try {
        const result = await runScenario(
          tool,
          n,
          `${runId}.${++sequence}`,
          { statusSamples: quick ? 5 : 9, idleSeconds: window, kills: quick || n < 500 ? 3 : 5, minAgentAgeMs: 10_300, timeoutMs: 120_000 },
          log,
        );
        results.push({ ...result, round });
      } catch (error) {
        failures.push(`${tool.name} N=${n} round ${round + 1}: ${(error as Error).message}`);
        log(`  FAILED: ${(error as Error).message}`);
      }
    }
  }
}

// ── pyorchestrate alone ───────────────────────────────────────────────────
let extras: Extras | null = null;
if (values["no-extras"] !== true && tools.some((tool) => tool.name === "pyorchestrate") && !overBudget()) {
  log("pyorchestrate: command interface under load, ps at N=1000");
  try {
    extras = await runExtras(runId, 100, quick ? 200 : 1000, quick ? 5 : 11, log);
  } catch (error) {
    failures.push(`pyorchestrate extras: ${(error as Error).message}`);
    log(`  FAILED: ${(error as Error).message}`);
  }
}

// ── pyorchestrate alone, N from 10 to 2000 ───────────────────────────────
let scale: ScenarioResult[] = [];
if (values["no-extras"] !== true && tools.some((tool) => tool.name === "pyorchestrate") && !overBudget()) {
  log("pyorchestrate: growth with N");
  try {
    scale = await measureScale(runId, quick ? [10, 100, 200] : SCALE_COUNTS, log);
  } catch (error) {
    failures.push(`pyorchestrate scale: ${(error as Error).message}`);
    log(`  FAILED: ${(error as Error).message}`);
  }
}

const plan: Plan = {
  date: new Date().toISOString(),
  machine: await machine(),
  tools: tools.map((tool) => ({ name: tool.name, version: tool.version })),
  unavailable,
  counts,
  roundsAt: Object.fromEntries(counts.map((n) => [n, roundsAt(n)])),
  idleSeconds,
  idleAt500,
  durationSeconds: (performance.now() - benchStarted) / 1000,
  failures,
};
removeLeftBehind();
const raw = join(tmpdir(), `pyorchestrate-bench-${runId}.json`);
writeFileSync(raw, JSON.stringify({ plan, results, extras, cliFloor, scale }, null, 1));
writeResults(out, plan, results, extras, cliFloor, scale);
log(`wrote ${out} after ${plan.durationSeconds.toFixed(0)} s (raw figures: ${raw}; --report ${raw} writes the results again)`);
if (failures.length > 0) process.exitCode = 1;

async function machine(): Promise<string> {
  const kernel = (await mustRun(["uname", "-r"]).catch(() => null))?.stdout.trim() ?? "?";
  const model = cpus()[0]?.model ?? "?";
  return `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${kernel}, Bun ${Bun.version}`;
}
