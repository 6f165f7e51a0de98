// Where exported files go: one file per object into a folder, or one stream on stdout —
// `---`-separated YAML for kubernetes, units each under a `# file: NAME` line for systemd, HCL
// likewise for nomad, and JSON documents one after another.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportKubernetes } from "./kubernetes.ts";
import { exportNomad } from "./nomad.ts";
import { exportSystemd } from "./systemd.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/types.ts";
import type { ExportFile, Exported, ExportOptions, Target } from "./types.ts";

export function exportConfig(config: Config, target: Target, options: ExportOptions): Exported {
  if (target === "systemd") return exportSystemd(config);
  if (target === "kubernetes") return exportKubernetes(config, options);
  return exportNomad(config, options);
}

/** Loads the config with serve's own loader, then exports it; a bad config gives its errors. */
export async function exportFile(
  path: string,
  target: Target,
  options: ExportOptions,
): Promise<{ ok: false; errors: string[] } | { ok: true; warnings: string[]; exported: Exported }> {
  const loaded = await loadConfig(path);
  if (!loaded.ok) return loaded;
  return { ok: true, warnings: loaded.warnings, exported: exportConfig(loaded.config, target, options) };
}

/** The files as one text for stdout. */
export function stream(files: readonly ExportFile[], target: Target, json: boolean): string {
  if (json) {
    // A List is one document kubectl applies whole; Nomad takes one job per document.
    if (target === "kubernetes") {
      const items = files.map((f) => JSON.parse(f.content) as unknown);
      return `${JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2)}\n`;
    }
    return files.map((f) => f.content).join("");
  }
  if (target === "kubernetes") return files.map((f) => `---\n${f.content}`).join("");
  return files.map((f) => `# file: ${f.name}\n${f.content}`).join("\n");
}

/** Writes each file into `dir` (created when missing); returns the paths written. */
export function writeFiles(files: readonly ExportFile[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return files.map((file) => {
    const path = join(dir, file.name);
    writeFileSync(path, file.content);
    return path;
  });
}
