// "Did you mean …?" hints for misspelt keys, agent names and command names, and for the words
// operators bring from other supervisors (supervisord, pm2, process-compose, systemd, docker).

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  // One row of the DP table is enough: row[j] = distance(a[0..i), b[0..j)).
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * Other tools' names for what pyorchestrate calls differently, lower case. A synonym is offered
 * only where its target is one of the candidates (an agent key for an agent table, a command
 * name for a command), so one table serves every context.
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  // Agent keys
  cmd: "command",
  exec: "command",
  execstart: "command",
  program: "command",
  script: "command",
  autorestart: "restart",
  restart_policy: "restart",
  restartpolicy: "restart",
  startretries: "max_restarts",
  max_retries: "max_restarts",
  restart_limit: "max_restarts",
  environment: "env",
  env_vars: "env",
  environmentfile: "env_file",
  environment_file: "env_file",
  directory: "cwd",
  working_dir: "cwd",
  workingdir: "cwd",
  working_directory: "cwd",
  workingdirectory: "cwd",
  stopsignal: "stop_signal",
  kill_signal: "stop_signal",
  killsignal: "stop_signal",
  stopwaitsecs: "stop_timeout",
  kill_timeout: "stop_timeout",
  timeoutstopsec: "stop_timeout",
  shutdown_timeout: "stop_timeout",
  depends: "depends_on",
  dependencies: "depends_on",
  requires: "depends_on",
  after: "depends_on",
  interval: "execution_interval",
  every: "execution_interval",
  cron: "schedule",
  cron_restart: "schedule",
  max_memory_restart: "max_memory",
  memorymax: "max_memory",
  memory_limit: "max_memory",
  healthcheck: "alive",
  liveness_probe: "alive",
  readiness_probe: "ready",
  readiness: "ready",
  liveness: "alive",
  // Orchestrator keys
  socket: "command_socket_path",
  socket_path: "command_socket_path",
  socket_mode: "command_socket_permissions",
  workers: "max_workers",
  concurrency: "max_workers",
  // Commands
  list: "ps",
  ls: "ps",
  jlist: "ps",
  info: "status",
  describe: "status",
  show: "status",
  top: "stats",
  monit: "stats",
  tail: "logs",
  log: "logs",
  events: "history",
  kill: "stop",
  halt: "shutdown",
  quit: "shutdown",
  exit: "shutdown",
  deps: "dependencies",
  graph: "dependencies",
  reread: "reload",
  update: "reload",
  check: "validate",
};

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo:
 * at most 2 edits, or at most a third of the longer name's length (so truncations like
 * "monitor" → "monitoring" are caught).
 * A case-only difference always matches, then another tool's word for a candidate (SYNONYMS);
 * ties go to the earlier candidate.
 */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  const all = [...candidates];
  const caseOnly = all.find((candidate) => candidate.toLowerCase() === lower);
  if (caseOnly !== undefined) return caseOnly;
  const synonym = Object.hasOwn(SYNONYMS, lower) ? SYNONYMS[lower] : undefined;
  if (synonym !== undefined && all.includes(synonym)) return synonym;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of all) {
    const distance = levenshtein(input, candidate);
    // Replacing every character of a short word is not a typo ("x" is not a typo of "ps").
    if (distance >= Math.max(input.length, candidate.length)) continue;
    const limit = Math.max(2, Math.floor(Math.max(input.length, candidate.length) / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** " (did you mean 'x'?)" or "" — ready to append to an error message. */
export function hint(input: string, candidates: Iterable<string>): string {
  const found = suggest(input, candidates);
  return found === undefined ? "" : ` (did you mean '${found}'?)`;
}
