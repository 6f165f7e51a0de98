// The hidden `pyorchestrate __complete agents [--socket PATH]` the completion scripts call back:
// agent names one per line, or nothing at all (exit 0) when the orchestrator does not answer quickly.

import { request } from "../../client/connection.ts";
import { DEFAULT_SOCKET } from "../args.ts";
import { writeOut } from "../output.ts";

/** A shell waits on this while the user waits on the shell. */
const ANSWER_TIMEOUT_MS = 300;

function socketFrom(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--socket") return argv[i + 1];
    if (arg.startsWith("--socket=")) return arg.slice("--socket=".length);
  }
  return undefined;
}

async function agentNames(socketPath: string): Promise<string[]> {
  try {
    const envelope = await request("ps", {}, { socketPath, timeoutMs: ANSWER_TIMEOUT_MS });
    if (envelope.status !== "success") return [];
    // Agents, then the groups that select several (`stop @web`).
    const groups = new Set(envelope.data.agents.flatMap((agent) => agent.groups.map((group) => `@${group}`)));
    return [...envelope.data.agents.map((agent) => agent.name), ...groups];
  } catch {
    return [];
  }
}

/** `__complete WHAT ...`; anything it does not know completes to nothing. */
export async function complete(argv: string[]): Promise<void> {
  const [what, ...rest] = argv;
  if (what !== "agents") return;
  const socketPath = socketFrom(rest) || process.env.PYORCHESTRATE_SOCKET || DEFAULT_SOCKET;
  let timer: Timer | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS)));
  const names = await Promise.race([agentNames(socketPath), late]);
  clearTimeout(timer);
  if (names === null) {
    // Even the connect did not finish in time (a wedged listener): leave without waiting on it.
    process.exit(0);
  }
  if (names.length > 0) writeOut(`${names.join("\n")}\n`);
}
