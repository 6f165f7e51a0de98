// A README line run as an operator types it: with bash, `pyorchestrate` being the compiled binary,
// which prints the table a terminal gets when its stdout is the session's own (not a pipe into
// jq), as isatty would decide; or --json throughout, for the envelopes a script gets.

import { COMMAND_TABLE } from "../../src/protocol/command-table.ts";
import { BINARY } from "./serve.ts";

/** fd 3 stands for the terminal: a runtime command whose stdout is still it gets --format table. */
const PRELUDE = `exec 3>&1
pyorchestrate() {
  case " $PYO_CLIENT_COMMANDS " in
    *" $1 "*)
      if [ "$PYO_FORMAT" = json ]; then set -- "$@" --json
      elif [ /dev/stdout -ef /dev/fd/3 ]; then set -- "$@" --format table; fi ;;
  esac
  "$PYO_BIN" "$@" 3>&-
}
`;

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one line in `cwd`, its runtime commands asking `socket` (PYORCHESTRATE_SOCKET, so a socket
 * the line names itself wins). Table mode merges stderr into stdout, in order, as a terminal shows them.
 */
export async function runLine(line: string, options: { cwd: string; socket: string | null; format: "table" | "json" }): Promise<Ran> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: "1",
    PYO_BIN: BINARY,
    PYO_FORMAT: options.format,
    PYO_CLIENT_COMMANDS: Object.keys(COMMAND_TABLE).join(" "),
    PYORCHESTRATE_SOCKET: options.socket ?? "/tmp/pyo-readme-no-serve-here.sock",
  };
  delete env.NOTIFY_SOCKET;
  const script = `${options.format === "table" ? "exec 2>&1\n" : ""}${PRELUDE}${line}\n`;
  const proc = Bun.spawn(["bash", "-c", script], { cwd: options.cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}
