// The README keeps the binary's word: every shell session it shows (`$ pyorchestrate …` and what
// it prints) is run against the bundled example (examples/weather, served by the compiled binary
// on a temporary socket), and what the binary prints must have the shape the README shows — the
// same lines, words, labels and symbols in the same order, with numbers, times, pids, sizes and
// paths free (test/helpers/output-shape.ts). The ```json block after a session is compared key by
// key with the same commands' --json output. What the bundled example cannot run is in SKIP, each
// with its reason. A README that drifts from the binary fails here. (PYO_README=FILE checks another
// copy instead: a way to see the test fail on a README broken on purpose.)

import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { COMMAND_TABLE } from "../../src/protocol/command-table.ts";
import type { PsAgent } from "../../src/protocol/commands.ts";
import { compareKeys, compareLines } from "../helpers/output-shape.ts";
import { jsonValues, type Session, type Shown, sessions } from "../helpers/readme-blocks.ts";
import { type Ran, runLine } from "../helpers/readme-shell.ts";
import { type Served, serve, tempDir } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

const ROOT = resolve(import.meta.dir, "../..");
const README = readFileSync(process.env.PYO_README ?? join(ROOT, "README.md"), "utf8");
const EXAMPLE = join(ROOT, "examples/weather");
const EXAMPLE_TOML = readFileSync(join(EXAMPLE, "pyorchestrate.toml"), "utf8");
const AGENTS = [...EXAMPLE_TOML.matchAll(/^\[agents\.([^\].]+)\]$/gm)].map((m) => m[1] ?? "");

/** Examples the bundled example cannot run, each with why; matched against the command as the README writes it. */
const SKIP: Array<{ command: string | RegExp; reason: string }> = [
  { command: /(^|\s)(-f|--follow|--watch)(\s|$)/, reason: "a follower, it runs until Ctrl+C (logs.test.ts, history.test.ts, stats-watch.test.ts follow)" },
  { command: "pyorchestrate stop @backend", reason: "needs groups and the agents Api, Db, Front and Broken; the bundled example has none" },
  { command: "pyorchestrate start @web", reason: "needs groups and the agents Api, Db, Front and Broken; the bundled example has none" },
  { command: /^pyorchestrate scale Web /, reason: "needs an agent with instances (Web); the bundled example has none" },
  { command: "pyorchestrate run WeatherAgent --wait; echo $?", reason: "shows a run that fails (exit 3); the bundled WeatherAgent always exits 0" },
  { command: "pyorchestrate reload", reason: "needs the config edited under serve (Reporter added, LegacyExporter removed, DataProcessor changed)" },
  { command: /^systemctl /, reason: "needs systemd as PID 1, and root" },
  ...(Bun.which("jq") ? [] : [{ command: /\| jq /, reason: "jq is not installed" }]),
];

/** Files a command reads that the README names without showing: it runs in a copy of this folder of test/fixtures/readme/. */
const FILES: Record<string, string> = {
  "pyorchestrate validate broken.toml": "broken",
  "pyorchestrate validate -c bad.toml --json": "bad",
  "pyorchestrate validate": "warning",
};

/** Exit statuses the README states in prose (Exit status, validate, notify) rather than in the session; 0 otherwise. */
const EXIT: Record<string, number> = {
  "pyorchestrate validate broken.toml": 1,
  "pyorchestrate validate -c bad.toml --json": 1,
  "pyorchestrate help stattus": 2,
  "pyorchestrate status InvalidAgent": 1,
  "pyorchestrate ps /tmp/nothing.sock": 3,
  "pyorchestrate notify READY=1": 1,
  "NOTIFY_SOCKET=/run/x.sock pyorchestrate notify READY=1": 1,
};

/** A json block whose envelopes are not one per command of its session (keyed by the session's first command): who prints them. */
const JSON_COMMANDS: Record<string, string[]> = {
  "pyorchestrate run WeatherAgent --wait": ["pyorchestrate run WeatherAgent", "pyorchestrate run WeatherAgent --wait"],
};

const skipReason = (command: string) =>
  SKIP.find((skip) => (typeof skip.command === "string" ? skip.command === command : skip.command.test(command)))?.reason ?? null;

// ---- running a README line ----------------------------------------------------------------------

interface Plan {
  line: string;
  /** The runtime command it runs (`ps`, `stop`…), or null for an offline one. */
  client: string | null;
  code: number;
  /** The documented output, without an `echo $?` line. */
  output: string[];
  cwd: string;
}

/** Documented paths a session wrote to or ran in (`cd /opt/weather`, `--out /etc/systemd/system`), and where they are here. */
type Paths = Map<string, string>;

function plan(shown: Shown, paths: Paths): Plan {
  let line = shown.command.replace(/^\.\/build\/pyorchestrate /, "pyorchestrate ");
  let output = shown.output;
  let code = EXIT[shown.command] ?? 0;
  const echo = /;\s*echo \$\?$/.exec(line);
  if (echo) {
    line = line.slice(0, echo.index);
    code = Number(output.at(-1));
    output = output.slice(0, -1);
  }
  let cwd = exampleCopy();
  const fixture = FILES[shown.command];
  if (fixture) {
    cwd = scratch();
    cpSync(join(ROOT, "test/fixtures/readme", fixture), cwd, { recursive: true });
  }
  const cd = /^cd (\S+) && /.exec(line);
  if (cd?.[1]) paths.set(cd[1], cwd);
  const out = /--out (\S+)/.exec(line);
  if (out?.[1]) paths.set(out[1], scratch());
  for (const [documented, here] of [...paths].sort(([a], [b]) => b.length - a.length)) line = line.replaceAll(documented, here);
  const words = line.split(/\s+/);
  const sub = words[words.indexOf("pyorchestrate") + 1];
  const client = words.includes("pyorchestrate") && sub !== undefined && sub in COMMAND_TABLE ? sub : null;
  return { line, client, code, output, cwd };
}

// ---- the bundled example, served ----------------------------------------------------------------

const made: string[] = [];
let served: Served | null = null;
let pristine: string | null = null;

function scratch(): string {
  const dir = mkdtempSync("/tmp/pyo-readme-");
  made.push(dir);
  return dir;
}

/** A copy of the bundled example, as it is, where commands run (`validate`, `export` read it). */
function exampleCopy(): string {
  if (pristine) return pristine;
  pristine = scratch();
  cpSync(EXAMPLE, pristine, { recursive: true });
  return pristine;
}

/** The example served from a copy of its folder: its [orchestrator] settings but the socket, its agents as written. */
async function example(): Promise<Served> {
  if (served && served.proc.exitCode === null) return served;
  if (served) await served[Symbol.asyncDispose]();
  served = null;
  const dir = tempDir();
  cpSync(join(EXAMPLE, "agents"), join(dir, "agents"), { recursive: true });
  const start = EXAMPLE_TOML.indexOf("[orchestrator]");
  const end = EXAMPLE_TOML.indexOf("\n\n", start);
  const orchestrator = EXAMPLE_TOML.slice(start + "[orchestrator]".length, end)
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("command_socket_path"))
    .join("\n");
  served = await serve(EXAMPLE_TOML.slice(end), { dir, orchestrator });
  return served;
}

/**
 * At rest, as the README's outputs show it: no agent on its way anywhere, no oneshot or periodic
 * run going. An agent waiting for its providers is at rest once nothing else moves.
 */
function atRest(agents: PsAgent[]): boolean {
  return agents.every(
    (a) =>
      ["completed", "stopped", "failed"].includes(a.status) ||
      (a.status === "running" && a.kind === "looping") ||
      (a.status === "waiting" && (a.waiting_reason === "next_run" || a.waiting_reason === "dependencies")),
  );
}

async function rested(at: Served): Promise<void> {
  let last: PsAgent[] = [];
  try {
    await waitFor(
      async () => {
        last = (await at.data("ps")).agents;
        return atRest(last);
      },
      "the example to come to rest",
      20_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${last.map((a) => `${a.name} ${a.status}`).join(", ")}`);
  }
}

afterAll(async () => {
  await served?.[Symbol.asyncDispose]();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

// ---- one README line, one test ------------------------------------------------------------------

/** Between two tries of a line: a poll's pace, so retries do not flood serve's history with audit events. */
const RETRY_PAUSE_MS = 200;

/**
 * Runs the line until what it prints fits (`check` gives the problem, or null): a read-only
 * command is asked again while the example passes through a moment the README does not show (a
 * periodic run going), a changing one only when it was refused (and so changed nothing).
 */
async function runUntilFits(p: Plan, format: "table" | "json", check: (ran: Ran) => string | null): Promise<void> {
  const changes = p.client !== null && COMMAND_TABLE[p.client as keyof typeof COMMAND_TABLE].changes;
  const deadline = Date.now() + 20_000;
  for (let attempt = 1; ; attempt++) {
    const at = p.client === null ? null : await example();
    if (at) await rested(at);
    const ran = await runLine(p.line, { cwd: p.cwd, socket: at?.socket ?? null, format });
    if (p.client === "shutdown" && at) await waitFor(() => at.proc.exitCode !== null, "serve to exit after shutdown", 30_000);
    const problem =
      ran.code === p.code ? check(ran) : `exit status ${ran.code}, expected ${p.code} (EXIT holds what the README says in prose)\n${ran.stdout}${ran.stderr}`;
    if (problem === null) return;
    const refused = ran.code !== 0 && p.code === 0;
    if (Date.now() > deadline || (changes && (!refused || attempt >= 3))) throw new Error(`'${p.line}': ${problem}`);
    await Bun.sleep(RETRY_PAUSE_MS);
  }
}

function tableTest(shown: Shown, session: Session, paths: Paths): void {
  const name = `README.md:${shown.line} $ ${shown.command}`;
  const reason = skipReason(shown.command);
  if (reason) return void test.skip(`${name} (skipped: ${reason})`, () => {});
  test(name, async () => {
    const p = plan(shown, paths);
    await runUntilFits(p, "table", (ran) => {
      if (!session.showsOutput) return ran.stdout.trim() === "" ? "printed nothing" : null;
      // A command shown without output, its envelope in the json block below: that block is its output.
      if (shown.output.length === 0 && session.json) return null;
      return compareLines(p.output, ran.stdout, AGENTS);
    });
  }, 90_000);
}

function jsonTest(command: string, documented: unknown, line: number): void {
  const name = `README.md:${line} json of $ ${command}`;
  const reason = skipReason(command);
  if (reason) return void test.skip(`${name} (skipped: ${reason})`, () => {});
  test(name, async () => {
    const p = plan({ line, command, output: [] }, new Map());
    await runUntilFits(p, "json", (ran) => {
      const printed = jsonValues(ran.stdout);
      if (printed.length !== 1) return `printed ${printed.length} JSON values, the README shows one\n${ran.stdout}`;
      const problems = compareKeys(documented, printed[0]);
      return problems.length === 0 ? null : `${problems.join("\n")}\n--- printed:\n${ran.stdout}`;
    });
  }, 90_000);
}

/** Which command prints each envelope of the session's json block. */
function jsonCommands(session: Session): string[] {
  const values = session.json?.values ?? [];
  const first = session.commands[0]?.command ?? "";
  const named = JSON_COMMANDS[first];
  if (named) return named;
  if (values.length === session.commands.length) return session.commands.map((shown) => shown.command);
  if (values.length === 1) return [first];
  throw new Error(
    `README.md:${session.json?.line}: ${values.length} envelopes after ${session.commands.length} commands: say in JSON_COMMANDS who prints them`,
  );
}

function register(session: Session): void {
  const paths: Paths = new Map();
  for (const shown of session.commands) tableTest(shown, session, paths);
  if (!session.json) return;
  const commands = jsonCommands(session);
  const line = session.json.line;
  session.json.values.forEach((value, i) => {
    jsonTest(commands[i] ?? "", value, line);
  });
}

const all = sessions(README).filter((session) => session.commands.some((shown) => /(^|\s|\/)pyorchestrate\s/.test(shown.command)));
const endsServe = (session: Session) => session.commands.some((shown) => /pyorchestrate shutdown\b/.test(shown.command));

test("the README shows sessions to check", () => {
  expect(all.length).toBeGreaterThan(10);
});

// The example is served once for everything that leaves it running; each session that shuts it
// down comes last, on a fresh serve when the previous one is gone.
for (const session of all.filter((s) => !endsServe(s))) register(session);
for (const session of all.filter(endsServe)) register(session);
