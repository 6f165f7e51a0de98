// `pyorchestrate completion bash|zsh|fish` and the hidden `__complete agents` it calls back.
// bash is driven for real (the script sourced into bash, its function run on COMP_WORDS as bash
// would); zsh and fish are run where installed, otherwise their scripts are checked for structure.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";

const ZSH = Bun.which("zsh");
const FISH = Bun.which("fish");

const lines = (text: string) => text.split("\n").filter((line) => line !== "");
const sorted = (items: string[]) => [...items].sort();

/** The commands `pyorchestrate --help` lists: what completion must offer, no more, no less. */
async function helpCommands(): Promise<string[]> {
  const ran = await cli(["--help"]);
  const block = ran.stdout.split("Commands:\n")[1]?.split("\n\n")[0] ?? "";
  return lines(block).map((line) => line.trim().split(/\s+/)[0] as string);
}

/** Commands whose usage line takes an agent positional (`<AGENT>` or `[agent]`). */
async function agentCommands(names: string[]): Promise<string[]> {
  const usages = await Promise.all(names.map(async (name) => [name, (await cli([name, "--help"])).stdout] as const));
  return usages.filter(([, help]) => /^Usage: pyorchestrate \S+ (<AGENT>|\[agent\])/m.test(help)).map(([name]) => name);
}

/** The long flags `pyorchestrate CMD --help` lists. */
async function helpFlags(command: string): Promise<string[]> {
  const ran = await cli([command, "--help"]);
  return lines(ran.stdout).flatMap((line) => /^\s+(--[\w-]+)/.exec(line)?.[1] ?? []);
}

/**
 * What bash offers for a command line whose last word is being completed: the generated script
 * sourced into a clean bash, its function run on COMP_WORDS as bash runs it on TAB.
 */
async function bashComplete(words: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<string[]> {
  const script = `source <("$0" completion bash) || exit 9
COMP_WORDS=("$0" "$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}
_pyorchestrate || exit 8
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const proc = Bun.spawn(["bash", "--norc", "--noprofile", "-c", script, BINARY, ...words], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0 || stderr !== "") throw new Error(`bash completion of ${JSON.stringify(words)} exited ${code}: ${stderr}`);
  return lines(stdout);
}

let commands: string[] = [];
let flagsByCommand: Record<string, string[]> = {};

beforeAll(async () => {
  commands = await helpCommands();
  flagsByCommand = Object.fromEntries(await Promise.all(commands.map(async (name) => [name, await helpFlags(name)] as const)));
});

describe("pyorchestrate completion", () => {
  test.concurrent.each([["bash"], ["zsh"], ["fish"]])("%s: a script on stdout, exit 0", async (shell) => {
    const ran = await cli(["completion", shell]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    expect(ran.stdout).toContain("__complete agents");
    expect(ran.stdout).toContain(`pyorchestrate completion ${shell}`);
  });

  test.concurrent.each([
    [["completion", "tcsh"], "unknown shell 'tcsh'"],
    [["completion"], "SHELL"],
    [["completion", "bash", "zsh"], "unexpected argument 'zsh'"],
  ])("usage error (exit 2, usage on stderr): %p", async (args, message) => {
    const ran = await cli(args as string[]);
    expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 2, stdout: "" });
    expect(ran.stderr).toContain(message as string);
    expect(ran.stderr).toContain("Usage: pyorchestrate completion <SHELL>");
  });

  test("the helper the scripts call back is hidden from help", async () => {
    expect(commands).toContain("completion");
    expect(commands).not.toContain("__complete");
    expect((await cli(["--help"])).stdout).not.toContain("__complete");
    // And from completion itself.
    expect(await bashComplete(["__"])).toEqual([]);
  });
});

describe("bash", () => {
  test("the script is valid bash and registers itself for pyorchestrate", async () => {
    const dir = tempDir();
    try {
      const file = join(dir, "pyorchestrate.bash");
      writeFileSync(file, (await cli(["completion", "bash"])).stdout);
      const syntax = Bun.spawnSync(["bash", "-n", file]);
      expect({ code: syntax.exitCode, stderr: syntax.stderr.toString() }).toEqual({ code: 0, stderr: "" });
      const registered = Bun.spawnSync(["bash", "--norc", "--noprofile", "-c", `source ${file} && complete -p pyorchestrate`], { env: cleanEnv() });
      expect(registered.stdout.toString().trim()).toBe("complete -F _pyorchestrate pyorchestrate");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("command names: every command of the table, by prefix", async () => {
    expect(sorted(await bashComplete([""]))).toEqual(sorted(commands));
    expect(sorted(await bashComplete(["st"]))).toEqual(sorted(commands.filter((name) => name.startsWith("st"))));
    expect(await bashComplete(["st"])).toEqual(expect.arrayContaining(["start", "stop", "status", "stats"]));
    expect(sorted(await bashComplete(["--"]))).toEqual(["--help", "--version"]);
  });

  test("each command's flags are its own, as its --help lists them", async () => {
    const results = await Promise.all(commands.map(async (name) => [name, sorted(await bashComplete([name, "--"]))] as const));
    for (const [name, offered] of results) {
      expect({ name, offered }).toEqual({ name, offered: sorted([...new Set([...(flagsByCommand[name] ?? []), "--help"])]) });
    }
    expect(flagsByCommand.ps).toEqual(expect.arrayContaining(["--socket", "--format", "--json", "--timeout"]));
    expect(flagsByCommand.serve).toContain("--log-format");
  });

  test("fixed values: --format, --log-format, the shells of completion, and the --flag=value form", async () => {
    expect(await bashComplete(["ps", "--format", ""])).toEqual(["table", "json"]);
    expect(await bashComplete(["status", "--format", "j"])).toEqual(["json"]);
    // bash splits `--format=j` into `--format` `=` `j` (COMP_WORDBREAKS).
    expect(await bashComplete(["stats", "--format", "=", "t"])).toEqual(["table"]);
    expect(await bashComplete(["stats", "--format", "="])).toEqual(["table", "json"]);
    expect(await bashComplete(["serve", "--log-format", ""])).toEqual(["human", "json"]);
    expect(await bashComplete(["completion", ""])).toEqual(["bash", "zsh", "fish"]);
    expect(await bashComplete(["completion", "f"])).toEqual(["fish"]);
    // Free values (a number of seconds) complete to nothing rather than to file names.
    expect(await bashComplete(["ps", "--timeout", ""])).toEqual([]);
    // history's event filters take the protocol's vocabulary.
    if (flagsByCommand.history?.includes("--type")) {
      expect(await bashComplete(["history", "--type", "AGENT_ST"])).toEqual(["AGENT_STARTED", "AGENT_STOPPED", "AGENT_STOPPING"]);
      expect(await bashComplete(["history", "--category", ""])).toEqual(["AGENT", "EXECUTION", "COMMAND", "ORCHESTRATOR"]);
    }
  });

  test("files where a file is expected: serve's config, --socket, a socket path positional", async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, "weather.toml"), "");
      mkdirSync(join(dir, "sockets"));
      writeFileSync(join(dir, "sockets", "a.sock"), "");
      expect(await bashComplete(["serve", "w"], { cwd: dir })).toEqual(["weather.toml"]);
      expect(await bashComplete(["validate", "--help", "w"], { cwd: dir })).toEqual(["weather.toml"]);
      expect(await bashComplete(["ps", "--socket", "sockets/"], { cwd: dir })).toEqual(["sockets/a.sock"]);
      expect(await bashComplete(["ps", "./sockets/"], { cwd: dir })).toEqual(["./sockets/a.sock"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("agent names from a running orchestrator", () => {
  let served: Served;
  let slot: Disposable;
  const AGENTS = `
[agents.Alpha]
command = ["sleep", "30"]

[agents.Beta]
command = ["sleep", "30"]
autostart = false
`;

  beforeAll(async () => {
    slot = await serveSlot();
    served = await serve(AGENTS);
  });

  afterAll(async () => {
    await served?.[Symbol.asyncDispose]();
    slot?.[Symbol.dispose]();
  });

  test("__complete agents prints them one per line, from --socket or PYORCHESTRATE_SOCKET", async () => {
    expect(await cli(["__complete", "agents", "--socket", served.socket])).toEqual({ code: 0, stdout: "Alpha\nBeta\n", stderr: "" });
    expect(await cli(["__complete", "agents", `--socket=${served.socket}`])).toEqual({ code: 0, stdout: "Alpha\nBeta\n", stderr: "" });
    expect(await cli(["__complete", "agents"], { env: { PYORCHESTRATE_SOCKET: served.socket } })).toEqual({
      code: 0,
      stdout: "Alpha\nBeta\n",
      stderr: "",
    });
  });

  test("bash offers them where an agent is expected, with the socket given every way the CLI takes it", async () => {
    const withAgent = await agentCommands(commands);
    expect(withAgent).toEqual(expect.arrayContaining(["start", "stop", "restart", "status"]));
    for (const command of withAgent) {
      expect({ command, offered: await bashComplete([command, "--socket", served.socket, ""]) }).toEqual({ command, offered: ["Alpha", "Beta"] });
    }
    expect(await bashComplete(["stop", "--socket", "=", served.socket, "A"])).toEqual(["Alpha"]);
    // The reference's positional socket path, before or after the agent.
    expect(await bashComplete(["status", served.socket, "B"])).toEqual(["Beta"]);
    expect(await bashComplete(["restart", "--json", served.socket, ""])).toEqual(["Alpha", "Beta"]);
    expect(await bashComplete(["start", ""], { env: { PYORCHESTRATE_SOCKET: served.socket } })).toEqual(["Alpha", "Beta"]);
    // --socket wins over the environment, as for every command.
    expect(await bashComplete(["start", "--socket", join(served.dir, "none.sock"), ""], { env: { PYORCHESTRATE_SOCKET: served.socket } })).toEqual([]);
    // Only one agent: after it, nothing more is an agent.
    expect(await bashComplete(["start", "--socket", served.socket, "Alpha", ""])).toEqual([]);
    // Commands without an agent argument do not ask.
    expect(await bashComplete(["ps", "--socket", served.socket, ""])).toEqual([]);
  });

  test("and for every --agent flag (history, history-stats, …)", async () => {
    const withAgentFlag = commands.filter((name) => flagsByCommand[name]?.includes("--agent"));
    for (const command of withAgentFlag) {
      expect({ command, offered: await bashComplete([command, "--socket", served.socket, "--agent", ""]) }).toEqual({ command, offered: ["Alpha", "Beta"] });
      expect({ command, offered: await bashComplete([command, "--agent", "=", "B"], { env: { PYORCHESTRATE_SOCKET: served.socket } }) }).toEqual({
        command,
        offered: ["Beta"],
      });
    }
  });
});

describe("no orchestrator answering", () => {
  test.concurrent("nothing on stdout, exit 0: no socket file", async () => {
    const dir = tempDir();
    try {
      expect(await cli(["__complete", "agents", "--socket", join(dir, "nothing.sock")])).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(await bashComplete(["stop", "--socket", join(dir, "nothing.sock"), ""])).toEqual([]);
      // No socket anywhere: the default path (nothing there under test) is asked, quietly.
      expect(await bashComplete(["stop", ""], { env: { PYORCHESTRATE_SOCKET: join(dir, "nothing.sock") } })).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.concurrent("nothing on stdout, exit 0, within a second: a listener that never answers", async () => {
    const dir = tempDir();
    const socket = join(dir, "mute.sock");
    const listener = Bun.listen({ unix: socket, socket: { data() {} } });
    try {
      const started = performance.now();
      expect(await cli(["__complete", "agents", "--socket", socket])).toEqual({ code: 0, stdout: "", stderr: "" });
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      listener.stop(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.concurrent("other __complete requests complete to nothing", async () => {
    expect(await cli(["__complete", "files"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await cli(["__complete"])).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

// ---- zsh and fish ---------------------------------------------------------------------------------

/** Every line has its single quotes paired, once the shell's escapes for a quote are taken out. */
function unbalancedQuotes(script: string, escapes: RegExp): string[] {
  return script.split("\n").filter((line) => !line.trimStart().startsWith("#") && (line.replace(escapes, "").match(/'/g)?.length ?? 0) % 2 === 1);
}

/** The lines of zsh's `(name)` case for one command. */
function zshBlock(script: string, name: string): string {
  const start = script.indexOf(`\n    (${name})\n`);
  if (start === -1) throw new Error(`no (${name}) case in the zsh script`);
  return script.slice(start, script.indexOf(";;", start));
}

describe("zsh", () => {
  test(ZSH ? "the script is valid zsh (zsh -n)" : "zsh is not installed: the script is checked for structure only", async () => {
    const script = (await cli(["completion", "zsh"])).stdout;
    expect(script.startsWith("#compdef pyorchestrate\n")).toBe(true);
    expect(script).toContain("compdef _pyorchestrate pyorchestrate");
    expect(unbalancedQuotes(script, /'\\''/g)).toEqual([]);
    for (const name of commands) {
      expect(script).toContain(`    '${name}:`);
      const block = zshBlock(script, name);
      for (const flag of flagsByCommand[name] ?? []) expect({ name, flag, found: block.includes(`'${flag}`) }).toEqual({ name, flag, found: true });
    }
    for (const name of ["start", "stop", "restart"]) expect(zshBlock(script, name)).toContain("':agent:_pyorchestrate_agents'");
    expect(zshBlock(script, "status")).toContain("'::agent:_pyorchestrate_agents'");
    expect(zshBlock(script, "ps")).toContain(":format:(table json)'");
    expect(zshBlock(script, "completion")).toContain("(bash zsh fish)'");
    expect(zshBlock(script, "serve")).toContain(":log-format:(human json)'");
    if (ZSH) {
      const dir = tempDir();
      try {
        writeFileSync(join(dir, "_pyorchestrate"), script);
        const syntax = Bun.spawnSync([ZSH, "-n", join(dir, "_pyorchestrate")]);
        expect({ code: syntax.exitCode, stderr: syntax.stderr.toString() }).toEqual({ code: 0, stderr: "" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe("fish", () => {
  test(
    FISH ? "the script is valid fish and completes commands, flags and agents" : "fish is not installed: the script is checked for structure only",
    async () => {
      const script = (await cli(["completion", "fish"])).stdout;
      expect(unbalancedQuotes(script, /\\\\|\\'/g)).toEqual([]);
      for (const name of commands) {
        expect(script).toContain(`complete -c pyorchestrate -n __pyorchestrate_needs_command -a '${name}'`);
        for (const flag of flagsByCommand[name] ?? []) {
          expect({ name, flag, found: script.includes(`-n '__pyorchestrate_command ${name}' -l ${flag.slice(2)} `) }).toEqual({ name, flag, found: true });
        }
      }
      for (const name of ["start", "stop", "restart", "status"]) {
        expect(script).toMatch(new RegExp(`-n '__pyorchestrate_positional ${name} 1 1 [^']*' -a '\\(__pyorchestrate_agents\\)'`));
      }
      expect(script).toContain("-n '__pyorchestrate_command ps' -l format -x -a 'table json'");
      expect(script).toMatch(/-n '__pyorchestrate_positional completion 1 0' -a 'bash zsh fish'/);
      if (FISH) {
        const dir = tempDir();
        try {
          const file = join(dir, "pyorchestrate.fish");
          writeFileSync(file, script);
          const syntax = Bun.spawnSync([FISH, "--no-execute", file]);
          expect({ code: syntax.exitCode, stderr: syntax.stderr.toString() }).toEqual({ code: 0, stderr: "" });
          const complete = (line: string) =>
            lines(Bun.spawnSync([FISH, "--no-config", "-c", `source ${file}; complete -C ${JSON.stringify(line)}`], { env: cleanEnv() }).stdout.toString()).map(
              (entry) => entry.split("\t")[0] as string,
            );
          expect(sorted(complete("pyorchestrate st"))).toEqual(sorted(commands.filter((name) => name.startsWith("st"))));
          expect(complete("pyorchestrate ps --format ")).toEqual(["json", "table"]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    },
  );
});
