// Validation of the health, schedule and identity keys: defaults, and every error with its key path.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../../src/config/types.ts";
import { validateConfig } from "../../src/config/validate.ts";

const dir = mkdtempSync("/tmp/pyo-cfg-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILE = join(dir, "pyorchestrate.toml");
const cmd = ["sleep", "1"];

function valid(agents: Record<string, unknown>): Config {
  const result = validateConfig({ agents }, FILE);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

function errors(agents: Record<string, unknown>): string[] {
  const result = validateConfig({ agents }, FILE);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

test("ready and alive checks: each form, with the documented defaults", () => {
  const { agents } = valid({
    Db: { command: cmd, ready: { tcp: "127.0.0.1:5432" }, alive: { command: "pg_isready -q", failure_threshold: 5 } },
    Web: { command: cmd, ready: { http: "http://127.0.0.1:8080/health", interval: 0.5 }, alive: { log: "heartbeat \\d+" } },
  });
  expect(agents[0]?.ready).toEqual({
    target: { kind: "tcp", host: "127.0.0.1", port: 5432 },
    watchdog: null,
    interval: 1,
    timeout: 1,
    initial_delay: 0,
    success_threshold: 1,
    failure_threshold: 3,
  });
  expect(agents[0]?.alive).toEqual({
    target: { kind: "command", command: ["/bin/sh", "-c", "pg_isready -q"] },
    watchdog: null,
    interval: 5,
    timeout: 2,
    initial_delay: 0,
    success_threshold: 1,
    failure_threshold: 5,
  });
  expect(agents[1]?.ready?.target).toEqual({ kind: "http", url: "http://127.0.0.1:8080/health" });
  expect(agents[1]?.ready?.interval).toBe(0.5);
  expect(agents[1]?.alive?.target).toEqual({ kind: "log", pattern: "heartbeat \\d+", regex: /heartbeat \d+/ });
});

test("check errors name their key path", () => {
  expect(
    errors({
      A: { command: cmd, ready: { tcp: "localhost", http: "http://x" } },
      B: { command: cmd, ready: { interval: 2 } },
      C: { command: cmd, ready: { tcp: "db:99999" } },
      D: { command: cmd, alive: { log: "(", timeout: -1, success_threshold: 0 } },
      E: { command: cmd, ready: { command: [] } },
      F: { command: cmd, ready: { http: "ftp://x/" } },
      G: { command: cmd, execution_interval: 5, ready: { tcp: "127.0.0.1:1" } },
      H: { command: cmd, ready: { tpc: "127.0.0.1:1" } },
    }),
  ).toEqual([
    'agents.A.ready: needs exactly one of "command", "tcp", "http", "log" or "notify" ("tcp" or "http" are all set)',
    'agents.B.ready: needs exactly one of "command", "tcp", "http", "log" or "notify" (none is set)',
    expect.stringMatching(/^agents\.C\.ready\.tcp: .*port/),
    expect.stringMatching(/^agents\.D\.alive\.log: /),
    "agents.D.alive.timeout: must be a positive number (got -1)",
    "agents.D.alive.success_threshold: must be a positive integer (got 0)",
    expect.stringMatching(/^agents\.E\.ready\.command: must be an array of strings/),
    expect.stringMatching(/^agents\.F\.ready\.http: /),
    'agents.G.ready: only allowed when kind is "looping" (this agent\'s kind is "periodic")',
    "agents.H.ready.tpc: unknown key (did you mean 'tcp'?)",
    'agents.H.ready: needs exactly one of "command", "tcp", "http", "log" or "notify" (none is set)',
  ]);
});

test("notify = true: the agent says READY=1 itself, with an optional watchdog; probe keys do not apply", () => {
  const { agents } = valid({ Svc: { command: cmd, ready: { notify: true, watchdog: 30 } }, Plain: { command: cmd, ready: { notify: true } } });
  expect(agents[0]?.ready).toMatchObject({ target: { kind: "notify" }, watchdog: 30 });
  expect(agents[1]?.ready).toMatchObject({ target: { kind: "notify" }, watchdog: null });
  expect(
    errors({
      A: { command: cmd, ready: { notify: false } },
      B: { command: cmd, ready: { notify: true, interval: 2 } },
      C: { command: cmd, alive: { notify: true } },
      D: { command: cmd, ready: { tcp: "127.0.0.1:5432", watchdog: 10 } },
      E: { command: cmd, ready: { notify: true, watchdog: -1 } },
    }),
  ).toEqual([
    expect.stringMatching(/^agents\.A\.ready\.notify: must be true/),
    expect.stringMatching(/^agents\.B\.ready\.interval: does not apply to notify = true/),
    expect.stringMatching(/^agents\.C\.alive\.notify: only a ready check can be a notify check/),
    expect.stringMatching(/^agents\.D\.ready\.watchdog: applies only to a notify check/),
    expect.stringMatching(/^agents\.E\.ready\.watchdog: /),
  ]);
});

test("groups and instances: names that @group selects, copies that run; the name 'all' is reserved", () => {
  const { agents } = valid({ Web: { command: cmd, groups: ["web", "front", "web"], instances: 3 }, Db: { command: cmd } });
  expect(agents[0]).toMatchObject({ groups: ["web", "front"], instances: 3 });
  expect(agents[1]).toMatchObject({ groups: [], instances: null });
  expect(
    errors({ A: { command: cmd, groups: "web" }, B: { command: cmd, groups: ["ok", "no way"] }, C: { command: cmd, instances: 0 }, all: { command: cmd } }),
  ).toEqual([
    expect.stringMatching(/^agents\.A\.groups: must be an array/),
    expect.stringMatching(/^agents\.B\.groups\[1\]: a group name is/),
    expect.stringMatching(/^agents\.C\.instances: must be a whole number from 1 to 1000/),
    "agents.all: the name 'all' is reserved (commands take it to mean every agent)",
  ]);
});

test("schedules: a cron expression makes the agent periodic; jitter and overlap have defaults", () => {
  const { agents } = valid({
    Backup: { command: cmd, schedule: "*/5 * * * *" },
    Report: { command: cmd, execution_interval: 60, jitter: 10, overlap: "queue" },
  });
  expect(agents.map((a) => [a.kind, a.schedule, a.execution_interval, a.jitter, a.overlap])).toEqual([
    ["periodic", "*/5 * * * *", null, 0, "skip"],
    ["periodic", null, 60, 10, "queue"],
  ]);
});

test("schedule errors name their key path", () => {
  expect(
    errors({
      A: { command: cmd, schedule: "61 * * * *" },
      B: { command: cmd, schedule: "* * * *", execution_interval: 5 },
      C: { command: cmd, kind: "periodic" },
      D: { command: cmd, execution_interval: 5, jitter: -1, overlap: "pile-up" },
      E: { command: cmd, jitter: 5 },
    }),
  ).toEqual([
    'agents.A.schedule: minute field "61" is out of range 0-59 (got string "61 * * * *")',
    "agents.B.schedule: give either schedule or execution_interval, not both",
    expect.stringMatching(/^agents\.B\.schedule: expected 5 fields/),
    'agents.C.execution_interval: required when kind is "periodic" (seconds between runs), or a cron schedule instead',
    "agents.D.jitter: must be a number ≥ 0 (got -1)",
    'agents.D.overlap: must be one of "skip", "queue" or "kill" (got string "pile-up")',
    'agents.E.jitter: only allowed when kind is "periodic" (this agent\'s kind is "looping")',
  ]);
});

test("identity: user and group resolve to ids; umask is octal; env_file merges under env", () => {
  writeFileSync(join(dir, "app.env"), "# app\nDB_HOST=db\nLOG_LEVEL=debug\n");
  const { agents } = valid({
    App: { command: cmd, user: "nobody", group: "root", umask: 0o027, env_file: "app.env", env: { LOG_LEVEL: "info" }, max_memory: "512MB" },
    Str: { command: cmd, umask: "077" },
  });
  expect(agents[0]).toMatchObject({
    user: { user: "nobody", uid: 65534, gid: 0, group: "root", name: "nobody" },
    umask: 0o027,
    env_file: join(dir, "app.env"),
    env: { DB_HOST: "db", LOG_LEVEL: "info" },
    max_memory: 512_000_000,
  });
  expect(agents[1]?.umask).toBe(0o077);
});

test("identity errors name their key path", () => {
  writeFileSync(join(dir, "bad.env"), "OK=1\nnot a line\n");
  expect(
    errors({
      A: { command: cmd, user: "no-such-user-here" },
      B: { command: cmd, group: "root" },
      C: { command: cmd, user: "root", group: "no-such-group-here", umask: 0o1777 },
      D: { command: cmd, env_file: "missing.env" },
      E: { command: cmd, env_file: "bad.env", max_memory: "lots" },
    }),
  ).toEqual([
    "agents.A.user: no user 'no-such-user-here' in /etc/passwd (give a uid number for accounts from elsewhere)",
    "agents.B.group: only allowed together with user",
    "agents.C.group: no group 'no-such-group-here' in /etc/group (give a gid number for groups from elsewhere)",
    'agents.C.umask: must be an octal mask from 0o000 to 0o777, e.g. 0o027 or "027" (got 1023)',
    `agents.D.env_file: cannot read ${join(dir, "missing.env")} (no such file)`,
    `agents.E.env_file: ${join(dir, "bad.env")} line 2: expected NAME=value`,
    expect.stringMatching(/^agents\.E\.max_memory: must be a size/),
  ]);
});
