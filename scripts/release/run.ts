// Running a program for the release script: capture its output, bound its time, and turn any
// failure into one ReleaseError that says what was being done.

/** A failure the release script reports in one message (no stack) and exits 1 for. */
export class ReleaseError extends Error {
  override name = "ReleaseError";
}

export interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Runs argv to its end (SIGKILL to that one process at the deadline); never throws for an exit code. */
export async function run(argv: string[], options: RunOptions = {}): Promise<Ran> {
  const proc = Bun.spawn(argv, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  try {
    const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode), stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** The last lines of a program's output, indented, for a failure message. */
export function tail(text: string, lines = 15): string {
  const kept = text.trimEnd().split("\n").slice(-lines);
  return kept.length === 1 && kept[0] === "" ? "    (no output)" : kept.map((line) => `    ${line}`).join("\n");
}

/** Runs argv and returns its stdout; a non-zero exit throws a ReleaseError naming `what`. */
export async function mustRun(what: string, argv: string[], options: RunOptions = {}): Promise<string> {
  const ran = await run(argv, options);
  if (ran.code !== 0) {
    const how = ran.timedOut ? "timed out" : ran.signal ? `was killed by ${ran.signal}` : `exited ${ran.code}`;
    throw new ReleaseError(`${what}: \`${argv.join(" ")}\` ${how}\n${tail(ran.stderr || ran.stdout)}`);
  }
  return ran.stdout;
}
