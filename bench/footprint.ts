// serve's footprint alone (bench/FOOTPRINT.md): RSS split anonymous / file-backed and PSS at a
// few N, the cost of one more agent, idle CPU over a window after ten `ps` calls, `ps` latency
// under 50 concurrent clients, and RSS across a long run of `status` requests.
//   bun bench/footprint.ts [--n 0,100,500] [--idle 30] [--repeat 3] [--hold] [--latency] [--sustained 100000]
// PYO_BENCH_BINARY picks another build; PYO_FOOTPRINT_ENV="K=V,K=V" adds to serve's environment.

import { dlopen, FFIType } from "bun:ffi";
import { closeSync, openSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { cpuNanos, median, percentile, timedRun } from "./lib/measure.ts";
import { Session } from "./lib/session.ts";
import { BINARY, PyorchestrateRun } from "./lib/tool-pyorchestrate.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "0,100,500" },
    idle: { type: "string", default: "30" },
    settle: { type: "string", default: "1" },
    repeat: { type: "string", default: "3" },
    latency: { type: "boolean", default: false },
    sustained: { type: "string", default: "0" },
    // One client keeps an idle connection open through the window, as a monitor would.
    hold: { type: "boolean", default: false },
  },
});
const extraEnv = Object.fromEntries(
  (process.env.PYO_FOOTPRINT_ENV ?? "")
    .split(",")
    .filter(Boolean)
    .map((pair) => pair.split("=", 2) as [string, string]),
);

interface Memory {
  rss: number;
  anon: number;
  file: number;
  pss: number;
  pssAnon: number;
  pssFile: number;
}

/** kB fields of /proc/<pid>/smaps_rollup and status, in MB. */
function memory(pid: number): Memory {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "latin1");
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text)?.[1] ?? Number.NaN) / 1024;
  return {
    rss: field(status, "VmRSS"),
    anon: field(status, "RssAnon"),
    file: field(status, "RssFile"),
    pss: field(rollup, "Pss"),
    pssAnon: field(rollup, "Pss_Anon"),
    pssFile: field(rollup, "Pss_File"),
  };
}

const libc = dlopen("libc.so.6", { posix_fadvise: { args: [FFIType.i32, FFIType.i64, FFIType.i64, FFIType.i32], returns: FFIType.i32 } });
/**
 * The binary's pages out of the page cache first (POSIX_FADV_DONTNEED; pages another process maps
 * stay), as after a reboot: how much of it is resident depends on what the cache holds (the kernel
 * maps cached neighbours of a faulting page too), and a just-built binary is cached whole.
 */
function evictBinary(): void {
  const fd = openSync(BINARY, "r");
  libc.symbols.posix_fadvise(fd, 0, 0, 4);
  closeSync(fd);
}

async function startServe(n: number): Promise<PyorchestrateRun> {
  evictBinary();
  const run = new PyorchestrateRun(n, `fp-${process.pid}-${n}-${Date.now()}`, extraEnv);
  await run.launch();
  const deadline = performance.now() + 60_000;
  while (!(await run.allRunning().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`${n} agents not running within 60 s`);
    await Bun.sleep(20);
  }
  return run;
}

async function stopServe(run: PyorchestrateRun): Promise<void> {
  await run.stopAll().catch(() => {});
  await run.teardown();
}

const fmt = (value: number, digits = 1) => value.toFixed(digits);
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;

const ns = values.n.split(",").map(Number);
const idleSeconds = Number(values.idle);
const repeat = Number(values.repeat);
process.stdout.write(`binary ${BINARY} env ${JSON.stringify(extraEnv)}\n`);
process.stdout.write(`${row(["N", "RSS MB", "anon", "file", "PSS", "PSS anon", "PSS file", `idle CPU ms / ${idleSeconds}s`, "idle %"])}\n`);
const byN = new Map<number, Memory[]>();
for (let round = 0; round < repeat; round++) {
  for (const n of ns) {
    const run = await startServe(n);
    try {
      const pid = run.serve?.pid as number;
      // Ten `ps` calls from fresh CLI processes, as an operator would, then a quiet window.
      for (let i = 0; i < 10; i++) await timedRun(run.statusCommand.argv, run.statusCommand.env);
      if (!values.hold) run.disconnect();
      await Bun.sleep(Number(values.settle) * 1000);
      const from = cpuNanos(pid);
      const wallFrom = performance.now();
      // Second by second, to say when the CPU went (a collection, a timer) as well as how much.
      const perSecond: string[] = [];
      for (let second = 1, last = from; second <= idleSeconds; second++) {
        await Bun.sleep(wallFrom + second * 1000 - performance.now());
        const now = cpuNanos(pid);
        if (now - last >= 0.5e6) perSecond.push(`${second}s:${fmt((now - last) / 1e6)}`);
        last = now;
      }
      const cpuMs = (cpuNanos(pid) - from) / 1e6;
      const pct = (cpuMs / (performance.now() - wallFrom)) * 100;
      const mem = memory(pid);
      byN.set(n, [...(byN.get(n) ?? []), mem]);
      process.stdout.write(
        `${row([n, fmt(mem.rss), fmt(mem.anon), fmt(mem.file), fmt(mem.pss), fmt(mem.pssAnon), fmt(mem.pssFile), fmt(cpuMs, 1), fmt(pct, 3)])} ${perSecond.join(" ")}\n`,
      );
    } finally {
      await stopServe(run);
    }
  }
}
if (ns.length > 1) {
  const medianOf = (n: number, key: keyof Memory) => median((byN.get(n) ?? []).map((m) => m[key]));
  for (let i = 1; i < ns.length; i++) {
    const [a, b] = [ns[i - 1] as number, ns[i] as number];
    const perAgent = (key: keyof Memory) => (((medianOf(b, key) - medianOf(a, key)) * 1024) / (b - a)).toFixed(1);
    process.stdout.write(`per agent ${a}→${b}: RSS ${perAgent("rss")} KiB (anon ${perAgent("anon")}, file ${perAgent("file")})\n`);
  }
}

if (values.latency) {
  // As bench/lib/extras.ts: 100 agents, 50 connections each asking `ps` 40 times in a loop.
  for (let round = 0; round < repeat; round++) {
    const run = await startServe(100);
    try {
      const latencies: number[] = [];
      const clients = await Promise.all(Array.from({ length: 50 }, () => Session.open(run.socket)));
      await Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < 40; i++) {
            const from = performance.now();
            const answer = await client.request("ps", {}, 30_000);
            if (answer.status !== "success") throw new Error(`ps: ${answer.error.message}`);
            latencies.push(performance.now() - from);
          }
        }),
      );
      for (const client of clients) client.close();
      process.stdout.write(
        `ps latency, 50 clients × 40 (100 agents): p50 ${fmt(percentile(latencies, 50), 2)} ms, p99 ${fmt(percentile(latencies, 99), 2)} ms\n`,
      );
    } finally {
      await stopServe(run);
    }
  }
}

const sustained = Number(values.sustained);
if (sustained > 0) {
  // RSS across a long run of `status` on one connection, 16 in flight: it must level off.
  const run = await startServe(100);
  try {
    const pid = run.serve?.pid as number;
    const session = await Session.open(run.socket);
    const marks: string[] = [];
    let sent = 0;
    let answered = 0;
    const step = sustained / 10;
    const worker = async () => {
      while (sent < sustained) {
        sent++;
        const answer = await session.request("status", {}, 30_000);
        if (answer.status !== "success") throw new Error(`status: ${answer.error.message}`);
        if (++answered % step === 0) marks.push(`${answered / 1000}k ${fmt(memory(pid).rss)}`);
      }
    };
    const before = memory(pid);
    const cpuFrom = cpuNanos(pid);
    const from = performance.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    const seconds = (performance.now() - from) / 1000;
    session.close();
    await Bun.sleep(2000);
    const after = memory(pid);
    process.stdout.write(
      `${sustained} status requests in ${fmt(seconds, 1)} s (${fmt(sustained / seconds, 0)}/s, serve CPU ${fmt((cpuNanos(pid) - cpuFrom) / 1e6, 0)} ms): RSS ${fmt(before.rss)} → ${marks.join(" → ")} → ${fmt(after.rss)} MB 2 s later (anon ${fmt(before.anon)} → ${fmt(after.anon)})\n`,
    );
  } finally {
    await stopServe(run);
  }
}
