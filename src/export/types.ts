// What an export produces: files (one object each) and the report of what became of each key.

import type { Report } from "./report.ts";

export const TARGETS = ["systemd", "kubernetes", "nomad"] as const;
export type Target = (typeof TARGETS)[number];

export interface ExportFile {
  /** A file name, no folder: `WeatherOrchestrator-CacheWarmup.service`, `cachewarmup-job.yaml`. */
  name: string;
  content: string;
}

export interface ExportOptions {
  /** kubernetes and nomad: the container image every agent runs in. */
  image: string | null;
  /** kubernetes: keep each dependency island in one Pod, providers as native sidecars. */
  sidecars: boolean;
  /** kubernetes and nomad: JSON instead of YAML / HCL. */
  json: boolean;
}

export interface Exported {
  files: ExportFile[];
  report: Report;
}
