// The compiled binary run as a shell script runs it: NO_COLOR, stdout piped (JSON by default),
// no socket inherited from whoever runs the tests.

import { BINARY } from "./serve.ts";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...extra };
  if (!("PYORCHESTRATE_SOCKET" in extra)) delete env.PYORCHESTRATE_SOCKET;
  return env;
}

/** `pyorchestrate ARGS` to its end (in `cwd`, when given); killed if it outlives `timeoutMs`. */
export async function cli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<Ran> {
  const proc = Bun.spawn([BINARY, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}
