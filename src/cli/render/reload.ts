// `reload`.

import type { ReloadData } from "../../protocol/commands.ts";

export function renderReload(data: ReloadData): string {
  const groups = [
    ["added", data.added],
    ["removed", data.removed],
    ["changed", data.changed],
    ["unchanged", data.unchanged],
  ] as const;
  const lines = [`✓ Configuration reloaded: ${groups.map(([label, names]) => `${names.length} ${label}`).join(", ")}`];
  for (const [label, names] of groups) {
    if (names.length > 0) lines.push(`  ${`${label}:`.padEnd(11)}${names.join(", ")}`);
  }
  if (data.requires_restart.length > 0) {
    lines.push(`  not applied (restart serve to change): ${data.requires_restart.join(", ")}`);
  }
  return lines.join("\n");
}
