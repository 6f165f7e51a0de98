// What operators type out of habit from supervisord, pm2 and systemd (compiled binary): `serve -c
// FILE` (and validate, export), `version`, `help COMMAND`, `validate --json`, and completion of them.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { request } from "../../src/client/connection.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, FIXTURES, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const VERSION: string = (await Bun.file(resolve(import.meta.dir, "../../package.json")).json()).version;
const ISO_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const VALID = join(FIXTURES, "e2e-valid.toml");
const INVALID = join(FIXTURES, "e2e-invalid.toml");

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config in the shared temp folder: its own socket there, agents that never start (nothing to clean up). */
function config(name: string, agents: string[], orchestrator = ""): { path: string; socket: string } {
  const path = join(dir, name);
  const socket = join(dir, `${name}.sock`);
  const tables = agents.map((agent) => `[agents.${agent}]\ncommand = ["sleep", "30"]\nautostart = false\n`).join("\n");
  writeFileSync(path, `[orchestrator]\ncommand_socket_path = "${socket}"\n${orchestrator}\n\n${tables}`);
  return { path, socket };
}

/** A usage error as every command reports one: exit 2, nothing on stdout, the mistake then the usage line on stderr. */
function expectUsageError(ran: { code: number; stdout: string; stderr: string }, command: string, named: string): void {
  expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 2, stdout: "" });
  const [first, usage] = ran.stderr.split("\n");
  expect(first).toStartWith("✗ ");
  expect(first).toContain(named);
  expect(usage).toStartWith(`Usage: pyorchestrate ${command} `);
}

describe("serve -c FILE / --config FILE", () => {
  test.each([["-c"], ["--config="]])("serve %s serves that file, not ./pyorchestrate.toml", async (flag) => {
    using _slot = await serveSlot();
    // The folder's default config names another socket and agent: serving it would show.
    const folder = tempDir();
    const fallback = join(folder, "d.sock");
    writeFileSync(join(folder, "pyorchestrate.toml"), `[orchestrator]\ncommand_socket_path = "${fallback}"\n\n[agents.Default]\ncommand = ["true"]\n`);
    const chosen = config(`chosen${flag.length}.toml`, ["Chosen"]);
    const argv = flag === "-c" ? ["-c", chosen.path] : [`--config=${chosen.path}`];
    const proc = Bun.spawn([BINARY, "serve", ...argv], { cwd: folder, env: cleanEnv(), stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    try {
      const ps = await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
          const answer = await request("ps", {}, { socketPath: chosen.socket, timeoutMs: 1_000 });
          return answer.status === "success" && answer.data;
        },
        `serve ${argv.join(" ")} to answer on ${chosen.socket}`,
      );
      expect(ps.agents.map((agent) => [agent.name, agent.status])).toEqual([["Chosen", "stopped"]]);
      expect(existsSync(fallback)).toBe(false);
    } finally {
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test.concurrent.each([
    ["FILE and -c", "both", (a: string, b: string) => [a, "-c", b], "config file given twice ('"],
    ["-c twice", "twice", (a: string, b: string) => ["-c", a, "--config", b], "config file given twice (-c, --config)"],
    ["--config without its value", "bare", (a: string) => [a, "--config"], "option '--config' needs a value"],
  ])("%s: a usage error, and nothing is served", async (_what, slug, argv, named) => {
    const a = config(`${slug}-a.toml`, ["A"]);
    const b = config(`${slug}-b.toml`, ["B"]);
    // Were either file served, the run would not end by itself: the timeout would kill it (not exit 2).
    const ran = await cli(["serve", ...argv(a.path, b.path)], { timeoutMs: 10_000 });
    expectUsageError(ran, "serve", named);
    expect([existsSync(a.socket), existsSync(b.socket)]).toEqual([false, false]);
  });

  test.concurrent("serve --help names -c beside the positional CONFIG", async () => {
    const ran = await cli(["serve", "--help"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("Usage: pyorchestrate serve [config] [--config file] [--log-format human|json]");
    expect(ran.stdout).toMatch(/^ {2}--config +-c: the config file, instead of CONFIG$/m);
  });
});

describe("validate and export take -c/--config too", () => {
  test.concurrent("validate -c, --config and the positional print the same", async () => {
    const positional = await cli(["validate", VALID]);
    expect(positional).toEqual({ code: 0, stdout: `✓ ${VALID} is valid: 2 agent(s), start order Provider → Consumer\n`, stderr: "" });
    expect(await cli(["validate", "-c", VALID])).toEqual(positional);
    expect(await cli(["validate", `--config=${VALID}`])).toEqual(positional);
    // An invalid file through -c: the same errors, the same exit 1.
    expect(await cli(["validate", "--config", INVALID])).toEqual(await cli(["validate", INVALID]));
  });

  test.concurrent("export systemd -c FILE writes what export systemd FILE writes", async () => {
    const positional = await cli(["export", "systemd", VALID]);
    expect(positional.code).toBe(0);
    expect(positional.stdout).toContain("# Generated by pyorchestrate export systemd");
    expect(await cli(["export", "systemd", "-c", VALID])).toEqual(positional);
  });

  test.concurrent.each([
    ["validate", ["validate", VALID, "--config", INVALID]],
    ["validate", ["validate", "-c", VALID, "-c", INVALID]],
    ["export", ["export", "systemd", VALID, "-c", INVALID]],
  ])("%s: the config given twice is a usage error", async (command, argv) => {
    expectUsageError(await cli(argv as string[]), command as string, "config file given twice");
  });
});

describe("version", () => {
  test.concurrent("prints exactly what --version prints", async () => {
    const flag = await cli(["--version"]);
    expect(flag).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(await cli(["version"])).toEqual(flag);
    expect(await cli(["version", "--format", "table"])).toEqual(flag);
  });

  test.concurrent.each([["--json"], ["--format=json"]])("version %s: the envelope", async (flag) => {
    const ran = await cli(["version", flag]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(ran.stdout)).toEqual({ status: "success", data: { version: VERSION }, timestamp: expect.stringMatching(ISO_SECOND) });
  });

  test.concurrent.each([
    [["version", "extra"], "unexpected argument 'extra'"],
    [["version", "--format", "xml"], "xml"],
  ])("usage error: %p", async (argv, named) => {
    expectUsageError(await cli(argv), "version", named);
  });
});

describe("help COMMAND", () => {
  test.concurrent.each([["serve"], ["validate"], ["ps"], ["logs"], ["export"], ["completion"], ["version"], ["help"]])(
    "help %s prints what COMMAND --help prints",
    async (command) => {
      const flag = await cli([command, "--help"]);
      expect(flag.code).toBe(0);
      expect(flag.stdout).toContain(`Usage: pyorchestrate ${command}`);
      expect(await cli(["help", command])).toEqual(flag);
    },
  );

  test.concurrent("help alone prints the root help, as --help does, and lists version and help", async () => {
    const flag = await cli(["--help"]);
    expect(await cli(["help"])).toEqual(flag);
    expect(flag.stdout).toMatch(/^ {2}version +Print the version/m);
    expect(flag.stdout).toMatch(/^ {2}help +Print a command's help/m);
  });

  test.concurrent.each([
    ["qqqqqq", "unknown command 'qqqqqq'"],
    ["stattus", "unknown command 'stattus' (did you mean 'status'?)"],
    ["list", "unknown command 'list' (did you mean 'ps'?)"],
    ["__complete", "unknown command '__complete'"],
  ])("help %s: a usage error naming it", async (typed, message) => {
    const ran = await cli(["help", typed]);
    expectUsageError(ran, "help", message);
    expect(ran.stderr).toStartWith(`✗ ${message}\nUsage: pyorchestrate help [command]\n`);
  });
});

describe("validate --json", () => {
  test.concurrent("a valid file with a warning: the envelope, nothing on stderr, exit 0", async () => {
    const path = join(dir, "warned.toml");
    writeFileSync(path, '[orchestrator]\ncommand_timeout = 30\n\n[agents.Slow]\ncommand = ["true"]\nstop_timeout = 45\n\n[agents.Quick]\ncommand = ["true"]\n');
    const ran = await cli(["validate", path, "--json"]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(ran.stdout)).toEqual({
      status: "success",
      data: {
        valid: true,
        path,
        agents: ["Slow", "Quick"],
        start_order: ["Slow", "Quick"],
        errors: [],
        warnings: [{ path: "agents.Slow.stop_timeout", message: expect.stringMatching(/^45 s exceeds orchestrator\.command_timeout \(30 s\)/) }],
      },
      timestamp: expect.stringMatching(ISO_SECOND),
    });
  });

  test.concurrent("an invalid file: valid false, each error split into its key path and message, exit 1", async () => {
    const [json, text] = await Promise.all([cli(["validate", "--format", "json", "-c", INVALID]), cli(["validate", INVALID])]);
    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 1, stderr: "" });
    const { data } = JSON.parse(json.stdout);
    expect(data).toEqual({
      valid: false,
      path: INVALID,
      agents: null,
      start_order: null,
      errors: [
        { path: "agents.A.execution_intreval", message: "unknown key (did you mean 'execution_interval'?)" },
        { path: "agents.C.execution_interval", message: expect.stringContaining("-5") },
        { path: "agents", message: "dependency cycle A → B → A" },
      ],
      warnings: [],
    });
    // Path and message put back together are the lines the terminal output shows.
    const lines = text.stderr.split("\n").filter((line) => line.startsWith("✗ "));
    expect(data.errors.map((e: { path: string; message: string }) => `✗ ${e.path}: ${e.message}`)).toEqual(lines);
  });

  test.concurrent("a quoted key path stays whole; a file-level error has no key path", async () => {
    const quoted = join(dir, "quoted.toml");
    writeFileSync(quoted, '[agents."bad: name"]\ncommand = ["true"]\n');
    const bad = JSON.parse((await cli(["validate", quoted, "--json"])).stdout).data.errors;
    expect(bad).toEqual([{ path: 'agents."bad: name"', message: expect.stringMatching(/^invalid agent name/) }]);

    const missing = join(dir, "absent", "pyorchestrate.toml");
    const ran = await cli(["validate", missing, "--json"]);
    expect(ran.code).toBe(1);
    expect(JSON.parse(ran.stdout).data.errors).toEqual([{ path: null, message: `${missing}: cannot read config file (no such file)` }]);

    const broken = join(dir, "broken.toml");
    writeFileSync(broken, "[agents.A\n");
    expect(JSON.parse((await cli(["validate", broken, "--json"])).stdout).data.errors).toEqual([
      { path: null, message: expect.stringMatching(new RegExp(`^${broken}:1:\\d+: TOML syntax error`)) },
    ]);
  });

  test.concurrent("piped without --json, validate still prints its text (unlike the runtime commands)", async () => {
    const ran = await cli(["validate", VALID]);
    expect(ran.stdout).toStartWith(`✓ ${VALID} is valid`);
    expectUsageError(await cli(["validate", VALID, "--format", "xml"]), "validate", "'xml'");
  });
});

/** What bash offers for `pyorchestrate WORDS…` (the last word being completed), from the generated script. */
async function bashComplete(words: string[], cwd: string): Promise<string[]> {
  const script = `source <("$0" completion bash) || exit 9
COMP_WORDS=("$0" "$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _pyorchestrate || exit 8
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const proc = Bun.spawn(["bash", "--norc", "--noprofile", "-c", script, BINARY, ...words], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || stderr !== "") throw new Error(`bash completion of ${JSON.stringify(words)} exited ${code}: ${stderr}`);
  return stdout.split("\n").filter(Boolean);
}

describe("completion", () => {
  test.concurrent("offers version and help, help's command names, -c/--config files and validate's --json", async () => {
    const folder = tempDir();
    try {
      writeFileSync(join(folder, "weather.toml"), "");
      expect(await bashComplete(["ve"], folder)).toEqual(["version"]);
      expect(await bashComplete(["he"], folder)).toEqual(["help"]);
      expect(await bashComplete(["help", "sta"], folder)).toEqual(["start", "status", "stats"]);
      expect(await bashComplete(["serve", "-c", "w"], folder)).toEqual(["weather.toml"]);
      expect(await bashComplete(["validate", "--config", "w"], folder)).toEqual(["weather.toml"]);
      expect(await bashComplete(["export", "systemd", "-c", "w"], folder)).toEqual(["weather.toml"]);
      expect((await bashComplete(["validate", "--"], folder)).sort()).toEqual(["--config", "--format", "--help", "--json"]);
      expect((await bashComplete(["version", "--"], folder)).sort()).toEqual(["--format", "--help", "--json"]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
