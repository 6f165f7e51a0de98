// The reference's "Integration Examples", run as written against the compiled binary put on PATH
// as `pyorchestrate`. The fixtures e2e-monitor.sh and e2e-orchestrator-status.py are byte-for-byte
// copies of the document's Shell Script and Python blocks; only the socket path is replaced here.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, FIXTURES, serve, type Served } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

const REFERENCE_SOCKET = "/tmp/pyorchestrate.sock";
const NOBODY = "/tmp/pyo-e2e-no-orchestrator-here.sock";

const hasJq = Bun.which("jq") !== null;
const hasPython = Bun.which("python3") !== null;
if (!hasJq) console.warn("integration-examples: skipping the Shell Script example: jq is not installed (it pipes stats into jq)");
if (!hasPython) console.warn("integration-examples: skipping the Python Integration example: python3 is not installed");

/** Three agents, two of them started: the counts differ, so a wrong key cannot pass by luck. */
const EXAMPLE = `
[agents.WeatherAgent]
command = ["sleep", "30"]

[agents.DataProcessor]
command = ["sleep", "30"]
depends_on = ["WeatherAgent"]

[agents.AlertManager]
command = ["sleep", "30"]
autostart = false
`;

/** The reference's text with its socket path replaced; refuses if the path is not there to replace. */
function withSocket(fixture: string, socket: string): string {
  const text = readFileSync(join(FIXTURES, fixture), "utf8");
  if (!text.includes(REFERENCE_SOCKET)) throw new Error(`${fixture} no longer holds ${REFERENCE_SOCKET}`);
  return text.replaceAll(REFERENCE_SOCKET, socket);
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

let bin: string;
let served: Served;

beforeAll(async () => {
  // `pyorchestrate` on PATH, as an operator installs it.
  bin = mkdtempSync("/tmp/pyo-bin-");
  symlinkSync(BINARY, join(bin, "pyorchestrate"));
  served = await serve(EXAMPLE);
  await waitFor(async () => {
    const { agents } = await served.data("ps");
    return agents.filter((a) => a.status === "running").length === 2;
  }, "WeatherAgent and DataProcessor to run");
});

afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
  if (bin) rmSync(bin, { recursive: true, force: true });
});

/** Runs `program script` in a folder of its own, with `pyorchestrate` first on PATH and no terminal. */
async function runScript(program: string, name: string, text: string): Promise<Ran> {
  const dir = mkdtempSync("/tmp/pyo-script-");
  try {
    const path = join(dir, name);
    writeFileSync(path, text);
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", PATH: `${bin}:${process.env.PATH ?? ""}` };
    delete env.PYORCHESTRATE_SOCKET;
    const proc = Bun.spawn([program, path], { cwd: dir, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("Shell Scripts (monitor script)", () => {
  test.concurrent.skipIf(!hasJq)("with the orchestrator up: 'Orchestrator is running' and the running agent count, exit 0 (needs jq)", async () => {
    const ran = await runScript("bash", "monitor.sh", withSocket("e2e-monitor.sh", served.socket));
    expect(ran).toEqual({ code: 0, stdout: "Orchestrator is running\nRunning agents: 2\n", stderr: "" });
  });

  test.concurrent.skipIf(!hasJq)("with no orchestrator: 'Orchestrator is not responsive', exit 1 (needs jq)", async () => {
    const ran = await runScript("bash", "monitor.sh", withSocket("e2e-monitor.sh", NOBODY));
    expect(ran).toEqual({ code: 1, stdout: "Orchestrator is not responsive\n", stderr: "" });
  });
});

describe("Python Integration (get_orchestrator_status)", () => {
  test.concurrent.skipIf(!hasPython)("prints the orchestrator's status from `status --socket … --format json` (needs python3)", async () => {
    const ran = await runScript("python3", "status.py", withSocket("e2e-orchestrator-status.py", served.socket));
    expect(ran).toEqual({
      code: 0,
      stdout: [
        "Orchestrator Status:",
        "  Total agents: 3",
        "  Running agents: 2",
        "  Waiting agents: 0",
        "  Max workers: 0",
        `  Socket path: ${served.socket}`,
        "",
      ].join("\n"),
      stderr: "",
    });
  });

  test.concurrent.skipIf(!hasPython)("with no orchestrator: the command fails (exit 3) and the snippet says so (needs python3)", async () => {
    const ran = await runScript("python3", "status.py", withSocket("e2e-orchestrator-status.py", NOBODY));
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(
      `Command failed: Command '['pyorchestrate', 'status', '--socket', '${NOBODY}', '--format', 'json']' returned non-zero exit status 3.\n` +
        "Failed to get orchestrator status\n",
    );
  });
});
