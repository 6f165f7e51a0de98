// `scale AGENT N`.

import type { ScaleData } from "../../protocol/commands.ts";

export function renderScale(data: ScaleData): string {
  const changed = data.started.length > 0 ? ` (started ${data.started.join(", ")})` : data.stopped.length > 0 ? ` (stopped ${data.stopped.join(", ")})` : "";
  if (data.instances === data.previous) return `✓ Agent '${data.agent}' already runs ${data.instances} ${copies(data.instances)}`;
  return `✓ Agent '${data.agent}' scaled from ${data.previous} to ${data.instances} ${copies(data.instances)}${changed}`;
}

function copies(n: number): string {
  return n === 1 ? "copy" : "copies";
}
