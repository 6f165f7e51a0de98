import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { levenshtein, suggest } from "../../src/common/did-you-mean.ts";
import { AGENT_KEYS } from "../../src/config/schema.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { AgentConfig, Config } from "../../src/config/types.ts";
import { type LoadResult, validateConfig } from "../../src/config/validate.ts";
import { agentConfig } from "../helpers/agent-config.ts";

const FILE = "/srv/weather/pyorchestrate.toml";

function ok(result: LoadResult): Config {
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.join("\n")}`);
  return result.config;
}

function errorsOf(raw: unknown, path = FILE): string[] {
  const result = validateConfig(raw, path);
  if (result.ok) throw new Error("expected errors, got a valid config");
  return result.errors;
}

/** A looping agent with every default, in the test config's folder. */
function agent(name: string, overrides: Partial<AgentConfig> = {}): AgentConfig {
  return agentConfig({ name, cwd: "/srv/weather", ...overrides });
}

describe("validateConfig: defaults and resolution", () => {
  test("an empty file is a valid orchestrator with every default", () => {
    expect(ok(validateConfig({}, FILE))).toEqual({
      path: FILE,
      orchestrator: {
        name: "weather",
        enable_command_interface: true,
        command_socket_path: "/tmp/pyorchestrate.sock",
        command_socket_permissions: 0o600,
        command_socket_group: null,
        max_workers: 0,
        allowed_commands: "all",
        blocked_commands: [],
        command_timeout: 30,
        shutdown_timeout: 60,
        state_dir: "/srv/weather/.pyorchestrate",
        history_capacity: 1000,
        log_max_size: 10_000_000,
        log_keep: 5,
      },
      agents: [],
      http: null,
    });
  });

  test("agent defaults per kind, in declaration order", () => {
    const config = ok(
      validateConfig(
        {
          agents: {
            Loop: { command: ["run"] },
            Tick: { command: ["run"], execution_interval: 300 },
            Once: { command: ["run"], kind: "oneshot", timeout: 30 },
          },
        },
        FILE,
      ),
    );
    expect(config.agents).toEqual([
      agent("Loop"),
      agent("Tick", { kind: "periodic", execution_interval: 300 }),
      agent("Once", { kind: "oneshot", timeout: 30 }),
    ]);
  });

  test("every key set explicitly is carried through; relative paths resolve against the file's folder", () => {
    const config = ok(
      validateConfig(
        {
          orchestrator: {
            name: "WeatherOrchestrator",
            enable_command_interface: false,
            command_socket_path: "run/orch.sock",
            command_socket_permissions: 0o660,
            command_socket_group: "ops",
            max_workers: 4,
            allowed_commands: ["ps", "status", "history-stats"],
            blocked_commands: ["shutdown"],
            command_timeout: 5.5,
            shutdown_timeout: 20,
            state_dir: "../state",
            history_capacity: 50,
          },
          agents: {
            Db: { command: ["db"], kind: "oneshot" },
            Weather: {
              command: "python3 weather.py > out.txt",
              kind: "periodic",
              execution_interval: 0.5,
              timeout: 30,
              limit: 3,
              delay_compensation: true,
              depends_on: { Db: "completed" },
              max_restarts: 0,
              restart_window: 10,
              autostart: false,
              cwd: "jobs/weather",
              env: { LOG_LEVEL: "info" },
              stop_signal: "int",
              stop_timeout: 2,
            },
            Api: { command: ["api", "--port", "80"], restart: "always", depends_on: ["Db"], stop_signal: "SIGQUIT", cwd: "/opt/api" },
          },
        },
        FILE,
      ),
    );
    expect(config.orchestrator).toEqual({
      name: "WeatherOrchestrator",
      enable_command_interface: false,
      command_socket_path: "/srv/weather/run/orch.sock",
      command_socket_permissions: 0o660,
      command_socket_group: "ops",
      max_workers: 4,
      allowed_commands: ["ps", "status", "history-stats"],
      blocked_commands: ["shutdown"],
      command_timeout: 5.5,
      shutdown_timeout: 20,
      state_dir: "/srv/state",
      history_capacity: 50,
      log_max_size: 10_000_000,
      log_keep: 5,
    });
    expect(config.agents).toEqual([
      agent("Db", { command: ["db"], kind: "oneshot" }),
      agent("Weather", {
        command: ["/bin/sh", "-c", "python3 weather.py > out.txt"],
        kind: "periodic",
        execution_interval: 0.5,
        timeout: 30,
        limit: 3,
        delay_compensation: true,
        depends_on: { Db: "completed" },
        max_restarts: 0,
        restart_window: 10,
        autostart: false,
        cwd: "/srv/weather/jobs/weather",
        env: { LOG_LEVEL: "info" },
        stop_signal: "SIGINT",
        stop_timeout: 2,
      }),
      agent("Api", {
        command: ["api", "--port", "80"],
        restart: "always",
        depends_on: { Db: "started" },
        stop_signal: "SIGQUIT",
        cwd: "/opt/api",
      }),
    ]);
  });

  test("allowed_commands presets pass through as names", () => {
    for (const preset of ["basic", "monitoring", "all"] as const) {
      const config = ok(validateConfig({ orchestrator: { allowed_commands: preset } }, FILE));
      expect(config.orchestrator.allowed_commands).toBe(preset);
    }
  });

  test("a relative config path is made absolute", () => {
    const config = ok(validateConfig({}, "conf/p.toml"));
    expect(config.path).toBe(join(process.cwd(), "conf/p.toml"));
    expect(config.orchestrator.state_dir).toBe(join(process.cwd(), "conf/.pyorchestrate"));
  });
});

describe("validateConfig: each error names its key path", () => {
  const cmd = ["run"];
  const cases: Array<[string, unknown, string]> = [
    ["unknown top-level key", { orkestrator: {} }, "orkestrator: unknown key (did you mean 'orchestrator'?)"],
    ["unknown top-level key without a near match", { server: {} }, "server: unknown key (only [orchestrator] and [agents.NAME] are allowed)"],
    ["orchestrator not a table", { orchestrator: 5 }, "orchestrator: must be a table (got 5)"],
    ["agents not a table", { agents: [{ command: "x" }] }, "agents: must be a table of [agents.NAME] sections (got array)"],
    ["agent not a table", { agents: { A: "x" } }, 'agents.A: must be a table [agents.NAME] describing one agent (got string "x")'],
    ["unknown orchestrator key", { orchestrator: { max_worker: 2 } }, "orchestrator.max_worker: unknown key (did you mean 'max_workers'?)"],
    ["orchestrator name type", { orchestrator: { name: 5 } }, "orchestrator.name: must be a non-empty string (got 5)"],
    [
      "enable_command_interface type",
      { orchestrator: { enable_command_interface: "yes" } },
      'orchestrator.enable_command_interface: must be true or false (got string "yes")',
    ],
    [
      "socket permissions range",
      { orchestrator: { command_socket_permissions: 600 } },
      "orchestrator.command_socket_permissions: must be a file mode from 0o000 to 0o777, e.g. 0o600 (got 600)",
    ],
    ["socket group type", { orchestrator: { command_socket_group: 0 } }, "orchestrator.command_socket_group: must be a non-empty string (got 0)"],
    ["max_workers negative", { orchestrator: { max_workers: -1 } }, "orchestrator.max_workers: must be an integer ≥ 0 (got -1)"],
    ["max_workers fractional", { orchestrator: { max_workers: 1.5 } }, "orchestrator.max_workers: must be an integer ≥ 0 (got 1.5)"],
    [
      "allowed_commands bad preset",
      { orchestrator: { allowed_commands: "monitor" } },
      'orchestrator.allowed_commands: must be "basic", "monitoring" or "all", or an array of command names (got string "monitor") (did you mean \'monitoring\'?)',
    ],
    [
      "allowed_commands unknown command",
      { orchestrator: { allowed_commands: ["ps", "statuss"] } },
      "orchestrator.allowed_commands[1]: unknown command 'statuss' (did you mean 'status'?)",
    ],
    [
      "blocked_commands not an array",
      { orchestrator: { blocked_commands: "stop" } },
      'orchestrator.blocked_commands: must be an array of command names (got string "stop")',
    ],
    [
      "blocked_commands element type",
      { orchestrator: { blocked_commands: [true] } },
      "orchestrator.blocked_commands[0]: must be a command name (got boolean true)",
    ],
    ["command_timeout zero", { orchestrator: { command_timeout: 0 } }, "orchestrator.command_timeout: must be a positive number (got 0)"],
    [
      "shutdown_timeout infinite",
      { orchestrator: { shutdown_timeout: Number.POSITIVE_INFINITY } },
      "orchestrator.shutdown_timeout: must be a positive number (got Infinity)",
    ],
    ["state_dir empty", { orchestrator: { state_dir: "" } }, 'orchestrator.state_dir: must be a non-empty string (got string "")'],
    ["history_capacity fractional", { orchestrator: { history_capacity: 2.5 } }, "orchestrator.history_capacity: must be a positive integer (got 2.5)"],
    [
      "socket path too long",
      { orchestrator: { command_socket_path: `/tmp/${"s".repeat(100)}.sock` } },
      `orchestrator.command_socket_path: too long for a UNIX socket (110 bytes, at most 100): /tmp/${"s".repeat(100)}.sock`,
    ],
    [
      "invalid agent name",
      { agents: { "-bad": { command: cmd } } },
      "agents.-bad: invalid agent name (letters, digits, '_', '.', '-'; 1 to 64 characters; starting with a letter or digit)",
    ],
    [
      "agent name with a space is quoted",
      { agents: { "my agent": { command: cmd } } },
      "agents.\"my agent\": invalid agent name (letters, digits, '_', '.', '-'; 1 to 64 characters; starting with a letter or digit)",
    ],
    [
      "agent name too long",
      { agents: { ["a".repeat(65)]: { command: cmd } } },
      `agents.${"a".repeat(65)}: invalid agent name (letters, digits, '_', '.', '-'; 1 to 64 characters; starting with a letter or digit)`,
    ],
    [
      "unknown agent key",
      { agents: { X: { command: cmd, excution_interval: 5 } } },
      "agents.X.excution_interval: unknown key (did you mean 'execution_interval'?)",
    ],
    ["command missing", { agents: { X: {} } }, 'agents.X.command: required (an array of strings such as ["python3", "app.py"], or a string run by /bin/sh -c)'],
    ["command empty string", { agents: { X: { command: "  " } } }, "agents.X.command: must not be empty"],
    ["command empty array", { agents: { X: { command: [] } } }, "agents.X.command: must not be an empty array"],
    ["command element", { agents: { X: { command: ["run", 3] } } }, "agents.X.command[1]: must be a non-empty string (got 3)"],
    ["command type", { agents: { X: { command: 3 } } }, "agents.X.command: must be an array of strings or a string (got 3)"],
    [
      "kind unknown",
      { agents: { X: { command: cmd, kind: "daemon" } } },
      'agents.X.kind: must be one of "looping", "oneshot" or "periodic" (got string "daemon")',
    ],
    [
      "execution_interval negative",
      { agents: { WeatherAgent: { command: cmd, execution_interval: -5 } } },
      "agents.WeatherAgent.execution_interval: must be a positive number (got -5)",
    ],
    [
      "execution_interval missing for periodic",
      { agents: { X: { command: cmd, kind: "periodic" } } },
      'agents.X.execution_interval: required when kind is "periodic" (seconds between runs), or a cron schedule instead',
    ],
    [
      "execution_interval on a looping agent",
      { agents: { X: { command: cmd, kind: "looping", execution_interval: 5 } } },
      'agents.X.execution_interval: only allowed when kind is "periodic" (this agent\'s kind is "looping")',
    ],
    [
      "execution_interval on a oneshot agent",
      { agents: { X: { command: cmd, kind: "oneshot", execution_interval: 5 } } },
      'agents.X.execution_interval: only allowed when kind is "periodic" (this agent\'s kind is "oneshot")',
    ],
    [
      "timeout on a looping agent",
      { agents: { X: { command: cmd, timeout: 5 } } },
      'agents.X.timeout: only allowed when kind is "oneshot" or "periodic" (this agent\'s kind is "looping")',
    ],
    ["timeout not positive", { agents: { X: { command: cmd, kind: "oneshot", timeout: 0 } } }, "agents.X.timeout: must be a positive number (got 0)"],
    ["limit zero", { agents: { X: { command: cmd, execution_interval: 1, limit: 0 } } }, "agents.X.limit: must be -1 or an integer ≥ 1 (got 0)"],
    [
      "limit on a looping agent",
      { agents: { X: { command: cmd, limit: 3 } } },
      'agents.X.limit: only allowed when kind is "periodic" (this agent\'s kind is "looping")',
    ],
    [
      "delay_compensation type",
      { agents: { X: { command: cmd, execution_interval: 1, delay_compensation: 1 } } },
      "agents.X.delay_compensation: must be true or false (got 1)",
    ],
    [
      "delay_compensation on a oneshot agent",
      { agents: { X: { command: cmd, kind: "oneshot", delay_compensation: true } } },
      'agents.X.delay_compensation: only allowed when kind is "periodic" (this agent\'s kind is "oneshot")',
    ],
    [
      "restart unknown",
      { agents: { X: { command: cmd, restart: "sometimes" } } },
      'agents.X.restart: must be one of "always", "on-failure" or "never" (got string "sometimes")',
    ],
    [
      "restart on a periodic agent",
      { agents: { X: { command: cmd, execution_interval: 1, restart: "always" } } },
      'agents.X.restart: only allowed when kind is "looping" (this agent\'s kind is "periodic")',
    ],
    ["max_restarts negative", { agents: { X: { command: cmd, max_restarts: -1 } } }, "agents.X.max_restarts: must be an integer ≥ 0 (got -1)"],
    ["restart_window zero", { agents: { X: { command: cmd, restart_window: 0 } } }, "agents.X.restart_window: must be a positive number (got 0)"],
    ["autostart type", { agents: { X: { command: cmd, autostart: "no" } } }, 'agents.X.autostart: must be true or false (got string "no")'],
    ["cwd type", { agents: { X: { command: cmd, cwd: ["a"] } } }, "agents.X.cwd: must be a non-empty string (got array)"],
    ["env not a table", { agents: { X: { command: cmd, env: ["A=1"] } } }, 'agents.X.env: must be a table of NAME = "value" (got array)'],
    ["env number", { agents: { X: { command: cmd, env: { PORT: 8080 } } } }, "agents.X.env.PORT: must be a string (got 8080)"],
    ["env boolean", { agents: { X: { command: cmd, env: { DEBUG: true } } } }, "agents.X.env.DEBUG: must be a string (got boolean true)"],
    ["env name", { agents: { X: { command: cmd, env: { "A=B": "1" } } } }, 'agents.X.env."A=B": not a valid environment variable name'],
    [
      "stop_signal unknown",
      { agents: { X: { command: cmd, stop_signal: "SIGSTOP" } } },
      'agents.X.stop_signal: must be a signal name such as "SIGTERM", "SIGINT", "SIGQUIT" or "SIGHUP" (got string "SIGSTOP")',
    ],
    ["stop_timeout negative", { agents: { X: { command: cmd, stop_timeout: -1 } } }, "agents.X.stop_timeout: must be a positive number (got -1)"],
    [
      "depends_on unknown agent",
      { agents: { Nop: { command: cmd }, B: { command: cmd, depends_on: ["Nope"] } } },
      "agents.B.depends_on.Nope: unknown agent 'Nope' (did you mean 'Nop'?)",
    ],
    [
      "depends_on unknown agent (table form)",
      { agents: { B: { command: cmd, depends_on: { Ghost: "started" } } } },
      "agents.B.depends_on.Ghost: unknown agent 'Ghost'",
    ],
    ["depends_on self", { agents: { A: { command: cmd, depends_on: ["A"] } } }, "agents.A.depends_on.A: an agent cannot depend on itself"],
    [
      "depends_on bad condition",
      { agents: { A: { command: cmd }, B: { command: cmd, depends_on: { A: "done" } } } },
      'agents.B.depends_on.A: must be one of "started", "completed" or "ready" (got string "done")',
    ],
    ["depends_on element type", { agents: { B: { command: cmd, depends_on: [1] } } }, "agents.B.depends_on[0]: must be an agent name (got 1)"],
    [
      "depends_on type",
      { agents: { B: { command: cmd, depends_on: "A" } } },
      'agents.B.depends_on: must be an array of agent names or a table of name = condition (got string "A")',
    ],
    ["cycle of two", { agents: { A: { command: cmd, depends_on: ["B"] }, B: { command: cmd, depends_on: ["A"] } } }, "agents: dependency cycle A → B → A"],
    [
      "cycle of three",
      { agents: { A: { command: cmd, depends_on: ["B"] }, B: { command: cmd, depends_on: ["C"] }, C: { command: cmd, depends_on: { A: "completed" } } } },
      "agents: dependency cycle A → B → C → A",
    ],
  ];

  test.each(cases)("%s", (_label, raw, expected) => {
    expect(errorsOf(raw)).toEqual([expected]);
  });

  test("an invalid kind does not cascade into kind-specific errors", () => {
    expect(errorsOf({ agents: { X: { command: ["run"], kind: "oneshto", timeout: 5 } } })).toEqual([
      'agents.X.kind: must be one of "looping", "oneshot" or "periodic" (got string "oneshto")',
    ]);
  });

  test("a config that is not a table", () => {
    expect(errorsOf(42)).toEqual([`${FILE}: must be a TOML table (got 42)`]);
  });
});

describe("validateConfig: all errors are collected", () => {
  test("errors from every section are reported together, in file order", () => {
    const errors = errorsOf({
      extra: true,
      orchestrator: { max_workers: -2, blocked_commands: ["stpo"] },
      agents: {
        WeatherAgent: { command: ["weather"], execution_interval: -5, timeout: "30", env: { N: 1 } },
        Broken: { excution_interval: 5 },
        B: { command: "b", depends_on: ["WeatherAgnet"] },
      },
    });
    expect(errors).toEqual([
      "extra: unknown key (only [orchestrator] and [agents.NAME] are allowed)",
      "orchestrator.max_workers: must be an integer ≥ 0 (got -2)",
      "orchestrator.blocked_commands[0]: unknown command 'stpo' (did you mean 'stop'?)",
      "agents.WeatherAgent.execution_interval: must be a positive number (got -5)",
      'agents.WeatherAgent.timeout: must be a positive number (got string "30")',
      "agents.WeatherAgent.env.N: must be a string (got 1)",
      "agents.Broken.excution_interval: unknown key (did you mean 'execution_interval'?)",
      'agents.Broken.command: required (an array of strings such as ["python3", "app.py"], or a string run by /bin/sh -c)',
      "agents.B.depends_on.WeatherAgnet: unknown agent 'WeatherAgnet' (did you mean 'WeatherAgent'?)",
    ]);
  });
});

describe("did-you-mean", () => {
  test("levenshtein counts insertions, deletions and substitutions", () => {
    expect([levenshtein("", "abc"), levenshtein("kitten", "sitting"), levenshtein("same", "same")]).toEqual([3, 3, 0]);
  });

  test("suggest picks the nearest plausible candidate, or nothing", () => {
    const keys = ["execution_interval", "timeout", "limit", "restart"];
    expect(suggest("excution_interval", keys)).toBe("execution_interval");
    expect(suggest("TIMEOUT", keys)).toBe("timeout"); // case-only difference
    expect(suggest("restrat", keys)).toBe("restart");
    expect(suggest("monitor", ["basic", "monitoring", "all"])).toBe("monitoring"); // truncation
    expect(suggest("x", ["ps"])).toBeUndefined(); // replacing everything is not a typo
    expect(suggest("completely_different", keys)).toBeUndefined();
  });

  test("another supervisor's word is answered with ours, where ours is a candidate", () => {
    expect(suggest("autorestart", AGENT_KEYS)).toBe("restart"); // supervisord
    expect(suggest("restart_policy", AGENT_KEYS)).toBe("restart");
    expect(suggest("environment", AGENT_KEYS)).toBe("env");
    expect(suggest("WorkingDirectory", AGENT_KEYS)).toBe("cwd"); // systemd, any case
    expect(suggest("max_memory_restart", AGENT_KEYS)).toBe("max_memory"); // pm2
    expect(suggest("list", ["ps", "status", "logs"])).toBe("ps");
    // Not offered where the target is not a candidate: "interval" is a health check's own key.
    expect(suggest("interval", ["initial_delay", "timeout"])).toBeUndefined();
  });

  test("an unknown agent key from another tool names ours in the config error", () => {
    const errors = errorsOf({ agents: { Web: { command: ["true"], autorestart: true, environment: { A: "1" } } } });
    expect(errors).toContain("agents.Web.autorestart: unknown key (did you mean 'restart'?)");
    expect(errors).toContain("agents.Web.environment: unknown key (did you mean 'env'?)");
  });
});

describe("loadConfig", () => {
  let dir = "";
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = "";
  });
  const write = (name: string, text: string): string => {
    dir = mkdtempSync(join(tmpdir(), "pyo-config-"));
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test("reads a real TOML file: octal mode, inline tables, relative paths", async () => {
    const file = write(
      "pyorchestrate.toml",
      `[orchestrator]
command_socket_path = "orch.sock"
command_socket_permissions = 0o640

[agents.Db]
command = ["db", "--serve"]

[agents.Report]
command = "echo done"
kind = "oneshot"
depends_on = { Db = "ready" }
cwd = "reports"
env = { LOG_LEVEL = "info" }
stop_signal = "HUP"
`,
    );
    const config = ok(await loadConfig(file));
    expect(config.path).toBe(file);
    expect(config.orchestrator.name).toBe(dir.split("/").at(-1) ?? "");
    expect(config.orchestrator.command_socket_path).toBe(join(dir, "orch.sock"));
    expect(config.orchestrator.command_socket_permissions).toBe(0o640);
    expect(config.orchestrator.state_dir).toBe(join(dir, ".pyorchestrate"));
    expect(config.agents.map((a) => a.name)).toEqual(["Db", "Report"]);
    expect(config.agents[1]).toEqual({
      ...agent("Report"),
      command: ["/bin/sh", "-c", "echo done"],
      kind: "oneshot",
      depends_on: { Db: "ready" },
      cwd: join(dir, "reports"),
      env: { LOG_LEVEL: "info" },
      stop_signal: "SIGHUP",
    });
  });

  test("a TOML syntax error is one line naming the file, the line and column, and the parser's message", async () => {
    const file = write("bad.toml", "[orchestrator]\nname = = 1\n");
    expect(await loadConfig(file)).toEqual({
      ok: false,
      errors: [`${file}:2:8: TOML syntax error: Expected a value but found '='`],
    });
    // The same file edited (as before a reload): the position is read again, not remembered.
    writeFileSync(file, '[orchestrator]\n\n\nname = "unterminated\n');
    expect(await loadConfig(file)).toEqual({
      ok: false,
      errors: [`${file}:4:8: TOML syntax error: Unterminated string; newlines must be escaped in basic strings`],
    });
  });

  test("a missing file is an error naming the path", async () => {
    const missing = join(tmpdir(), "pyo-no-such-dir", "pyorchestrate.toml");
    expect(await loadConfig(missing)).toEqual({
      ok: false,
      errors: [`${missing}: cannot read config file (no such file)`],
    });
  });

  test("a directory instead of a file is an error naming the path", async () => {
    write("x.toml", "");
    expect(await loadConfig(dir)).toEqual({ ok: false, errors: [`${dir}: cannot read config file (it is a directory)`] });
  });

  test("validation errors come through with their key paths", async () => {
    const file = write("p.toml", "[agents.W]\ncommand = 'x'\nexecution_interval = -5\n[agents.W.env]\nPORT = 8080\n");
    expect(await loadConfig(file)).toEqual({
      ok: false,
      errors: ["agents.W.execution_interval: must be a positive number (got -5)", "agents.W.env.PORT: must be a string (got 8080)"],
    });
  });
});
