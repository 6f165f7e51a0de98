// RESULTS.md's targets: the issues' figures for reference, each target as a ratio of figures from
// the same run (issue 12 where it sets one), and, where one is missed, what stands in the way.

import { fmt } from "./measure.ts";
import type { Plan, Summary } from "./summary.ts";

/** The issue's figures (issue 5, measured on this kind of machine): references, not re-measured. */
const ISSUE: Record<string, Record<string, string>> = {
  "supervisord 4.2.5": { status: "243 ms", up: "3.5 s", memory: "35.6 MB", cpu: "0.17 %", kill: "1013 ms", stop: "1.24 s" },
  "pm2 7.0.4": { status: "161 ms", up: "2.2 s", memory: "91.6 MB", cpu: "0.27 %", kill: "6.8 ms", stop: "32.6 s" },
  s6: { status: "2.1 ms", up: "0.71 s", memory: "61 MB PSS (501 procs)", cpu: "0", kill: "1004 ms", stop: "0.26 s" },
  runit: { status: "5.7 ms", up: "1.8 s", memory: "45 MB PSS (501 procs)", cpu: "0", kill: "2.4 ms", stop: "0.55 s" },
};
const S6_UP_MS = 710;
const S6_STOP_MS = 260;

export function targetsSection(plan: Plan, get: (name: string, n: number) => Summary | undefined): string[] {
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  push("The issue's figures, for reference (not re-measured here; same kind of machine, 500 agents):", "");
  push(
    `| at 500 agents | ${Object.keys(ISSUE).join(" | ")} |`,
    `|---|${Object.keys(ISSUE)
      .map(() => "---|")
      .join("")}`,
  );
  const issueRow = (label: string, key: string) =>
    push(
      `| ${label} | ${Object.values(ISSUE)
        .map((tool) => tool[key])
        .join(" | ")} |`,
    );
  issueRow("status from a fresh CLI process, median", "status");
  issueRow("all 500 up and reported running", "up");
  issueRow("supervisor's own memory", "memory");
  issueRow("supervisor's idle CPU over 30 s", "cpu");
  issueRow("kill -9 of an agent → replacement running", "kill");
  issueRow("stop all, every pid reaped", "stop");
  push("");

  const ours = get("pyorchestrate", 500);
  if (ours) {
    const sup = get("supervisord", 500);
    const s6 = get("s6", 500);
    const runit = get("runit", 500);
    const smallest = Math.min(...plan.counts);
    const small = smallest < 500 ? get("pyorchestrate", smallest) : undefined;
    push("## Targets (N = 500, ratios of figures from this run)", "", "| target | pyorchestrate | against | ratio | |", "|---|---|---|---|---|");
    const target = (label: string, mine: string, against: string, ratio: number, verdict: string) =>
      push(`| ${label} | ${mine} | ${against} | ${fmt.ratio(ratio)} | ${verdict} |`);
    const metOrMissed = (ok: boolean) => (ok ? "**met**" : "**missed**");
    target(
      "all 500 up faster than s6's 0.71 s",
      fmt.ms(ours.upMs),
      `s6 0.71 s (issue)${s6 ? `; s6 here ${fmt.ms(s6.upMs)} (${fmt.ratio(ours.upMs / s6.upMs)})` : ""}`,
      ours.upMs / (s6 ? s6.upMs : S6_UP_MS),
      // Against s6 in this same run where it ran: the issue's figure is another machine's.
      metOrMissed(s6 ? ours.upMs < s6.upMs : ours.upMs < S6_UP_MS),
    );
    if (sup) {
      target(
        "serve's RSS below supervisord's",
        fmt.mb(ours.memoryBytes),
        `supervisord ${fmt.mb(sup.memoryBytes)}`,
        ours.memoryBytes / sup.memoryBytes,
        metOrMissed(ours.memoryBytes < sup.memoryBytes),
      );
    }
    if (runit) {
      target(
        "idle CPU at or below runit's (issue 12)",
        fmt.pct(ours.idleCpuPercent),
        `runit ${fmt.pct(runit.idleCpuPercent)}${sup ? `; supervisord ${fmt.pct(sup.idleCpuPercent)}` : ""}`,
        ours.idleCpuPercent / runit.idleCpuPercent,
        metOrMissed(ours.idleCpuPercent <= runit.idleCpuPercent),
      );
      target(
        "kill -9 → replacement at or below runit's (issue 12)",
        fmt.ms(ours.killMs),
        `runit ${fmt.ms(runit.killMs)} (the issue's: 2.4 ms)`,
        ours.killMs / runit.killMs,
        metOrMissed(ours.killMs <= runit.killMs),
      );
    }
    target(
      "stop all faster than s6's 0.26 s",
      fmt.ms(ours.stopMs),
      `s6 0.26 s (issue)${s6 ? `; s6 here ${fmt.ms(s6.stopMs)} (${fmt.ratio(ours.stopMs / s6.stopMs)})` : ""}`,
      ours.stopMs / (s6 ? s6.stopMs : S6_STOP_MS),
      metOrMissed(s6 ? ours.stopMs < s6.stopMs : ours.stopMs < S6_STOP_MS),
    );
    push("");

    push("### Where a target is not reached, and why", "");
    if (sup && ours.memoryBytes >= sup.memoryBytes) {
      const perAgent = small ? (ours.memoryBytes - small.memoryBytes) / (500 - smallest) : Number.NaN;
      push(
        `- **RSS** (${fmt.mb(ours.memoryBytes)} against supervisord's ${fmt.mb(sup.memoryBytes)}): ${fmt.mb(ours.fileBytes)} of serve's RSS is file-backed, ` +
          "clean pages of the Bun runtime's own code mapped from the 110 MB executable (shared with every other pyorchestrate process, and " +
          `dropped by the kernel under memory pressure without any writing back); its anonymous memory, heap and stacks, is ${fmt.mb(ours.anonBytes)} ` +
          `against supervisord's ${fmt.mb(sup.anonBytes)}. ` +
          (small
            ? `serve with ${smallest} agents already holds ${fmt.mb(small.memoryBytes)} (${fmt.mb(small.fileBytes)} file-backed); each further agent adds about ${(perAgent / 1024).toFixed(0)} KiB. `
            : "") +
          "The runtime alone is most of it: a compiled hello world holds 20–21.5 MB, about 30 MB once it uses what serve cannot run " +
          "without (node:fs, Bun.listen, bun:sqlite, bun:ffi, Bun.spawn), and each agent's two output pipes cost about 14 KiB inside Bun " +
          "(a pending read on each), against some 6.6 KiB of serve's own objects. bench/FOOTPRINT.md has the measurements, what serve " +
          "stopped loading (−6.6 MB), and what would remove the rest (reading a child's output without a ReadableStream, which Bun.spawn does not offer).",
      );
    }
    if (runit && ours.killMs > runit.killMs) {
      push(
        `- **kill -9 → replacement** (${fmt.ms(ours.killMs)} against runit's ${fmt.ms(runit.killMs)}): no delay is waited (a run of 10 s or more is ` +
          "restarted at once, SPEC §3) and an agent is one exec since the death guard replaced `setpriv --pdeathsig` in front of each one " +
          "(src/system/death-guard.ts; that wrapper cost a second exec, about 1.5 ms here). What is left is the kernel and Bun noticing the exit " +
          "(about 0.8 ms from the kill to serve's exit handler), serve's bookkeeping (0.3 ms) and Bun.spawn (0.4–0.5 ms, a posix_spawn of a " +
          "dynamically linked program on this VM), against runsv's fork+exec from C.",
      );
    }
    if (runit && ours.idleCpuPercent > runit.idleCpuPercent) {
      push(
        `- **idle CPU** (${fmt.pct(ours.idleCpuPercent)} against runit's ${fmt.pct(runit.idleCpuPercent)}): serve has no polling timers (exits come from ` +
          "the kernel, timers exist only for real deadlines) and runs with Bun's garbage-collection timer off (src/system/quiet-runtime.ts), " +
          "collecting once when it falls quiet instead (bench/FOOTPRINT.md: 68 ms → 8 ms over 30 s at 500 agents). What is left is one-off " +
          "work after the status calls that precede the window (that collection, JIT and GC helper threads finishing), not a timer.",
      );
    }
    push("");
  }
  return lines;
}
