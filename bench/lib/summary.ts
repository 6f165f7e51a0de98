// What one bench run was (its plan) and, per tool and N, its figures summed up over the rounds:
// what RESULTS.md's tables and targets show.

import { median } from "./measure.ts";
import type { ScenarioResult } from "./scenario.ts";

export interface Plan {
  date: string;
  machine: string;
  tools: Array<{ name: string; version: string }>;
  unavailable: Record<string, string>;
  counts: number[];
  roundsAt: Record<number, number>;
  idleSeconds: number;
  idleAt500: number;
  durationSeconds: number;
  failures: string[];
}

export interface Summary {
  runs: number;
  statusMs: number;
  statusSamples: number;
  statusNote?: string;
  baselineMs: number;
  upMs: number;
  memoryBytes: number;
  memoryKind: "RSS" | "PSS";
  anonBytes: number;
  fileBytes: number;
  idleCpuPercent: number;
  idleSeconds: number;
  killMs: number;
  kills: number;
  killReportedMs: number;
  stopMs: number;
  stopCommandMs: number;
}

export function summarize(runs: ScenarioResult[]): Summary {
  const pooled = (pick: (run: ScenarioResult) => number[]) => runs.flatMap(pick);
  const idleCpuMs = runs.reduce((sum, run) => sum + run.idleCpuMs, 0);
  const idleWallMs = runs.reduce((sum, run) => sum + run.idleWallMs, 0);
  const first = runs[0] as ScenarioResult;
  return {
    runs: runs.length,
    statusMs: median(pooled((run) => run.statusSamplesMs)),
    statusSamples: pooled((run) => run.statusSamplesMs).length,
    statusNote: first.statusNote,
    baselineMs: median(pooled((run) => run.baselineSamplesMs)),
    upMs: median(runs.map((run) => run.upMs)),
    memoryBytes: median(runs.map((run) => run.memoryBytes)),
    memoryKind: first.memoryKind,
    anonBytes: median(runs.map((run) => run.memoryAnonBytes)),
    fileBytes: median(runs.map((run) => run.memoryFileBytes)),
    // All idle windows together: CPU time over wall time (the most precise figure the runs give).
    idleCpuPercent: (idleCpuMs / idleWallMs) * 100,
    idleSeconds: idleWallMs / 1000,
    killMs: median(pooled((run) => run.killMs)),
    kills: pooled((run) => run.killMs).length,
    killReportedMs: median(pooled((run) => run.killReportedMs)),
    stopMs: median(runs.map((run) => run.stopMs)),
    stopCommandMs: median(runs.map((run) => run.stopCommandMs)),
  };
}
