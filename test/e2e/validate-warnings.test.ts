// Timeouts that work against each other: `validate` warns (stderr, `warning:`, exit 0) about an
// agent whose stop_timeout is not below command_timeout, and serve says the same at start-up.

import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../helpers/cli.ts";
import { serve, tempDir } from "../helpers/serve.ts";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const STUBBORN = `
[orchestrator]
command_timeout = 30

[agents.Slow]
command = ["sleep", "300"]
stop_timeout = 45

[agents.Even]
command = ["sleep", "300"]
stop_timeout = 30

[agents.Quick]
command = ["sleep", "300"]
stop_timeout = 5
`;

describe("validate: stop_timeout against command_timeout", () => {
  test.concurrent("a stop_timeout at or over command_timeout is a warning on stderr, and the file is still valid (exit 0)", async () => {
    const path = config("stubborn.toml", STUBBORN);
    const ran = await cli(["validate", path]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe(`✓ ${path} is valid: 3 agent(s), start order Slow → Even → Quick\n`);
    expect(ran.stderr.split("\n").filter(Boolean)).toEqual([
      "warning: agents.Slow.stop_timeout: 45 s exceeds orchestrator.command_timeout (30 s): a stop or restart that waits out stop_timeout " +
        "is answered COMMAND_TIMEOUT after 30 s while the stop goes on (SIGKILL at 45 s); raise command_timeout or lower stop_timeout",
      "warning: agents.Even.stop_timeout: 30 s equals orchestrator.command_timeout (30 s): a stop or restart that waits out stop_timeout " +
        "is answered COMMAND_TIMEOUT after 30 s while the stop goes on (SIGKILL at 30 s); raise command_timeout or lower stop_timeout",
    ]);
  });

  test.concurrent("the defaults (stop_timeout 10, command_timeout 30) warn about nothing", async () => {
    const ran = await cli(["validate", config("defaults.toml", `[agents.A]\ncommand = ["sleep", "300"]\n`)]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
  });

  test.concurrent("a command_timeout raised above stop_timeout clears the warning", async () => {
    const ran = await cli([
      "validate",
      config("raised.toml", '[orchestrator]\ncommand_timeout = 60\n\n[agents.A]\ncommand = ["sleep", "300"]\nstop_timeout = 45\n'),
    ]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
  });

  test.concurrent("an invalid file shows its errors only (exit 1), warnings once it is valid", async () => {
    const ran = await cli(["validate", config("invalid.toml", `${STUBBORN}\n[agents.Bad]\ncommand = ["x"]\nstop_timeout = -1\n`)]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain("✗ agents.Bad.stop_timeout: must be a positive number (got -1)");
    expect(ran.stderr).not.toContain("warning:");
  });
});

test.concurrent("serve logs the same warning at start-up, and runs", async () => {
  await using served = await serve(`[agents.Slow]\ncommand = ["sleep", "300"]\nstop_timeout = 3\n`, {
    orchestrator: "command_timeout = 2",
    args: ["--log-format", "json"],
  });
  const warnings = served
    .stderr()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: string; message: string })
    .filter((line) => line.level === "warn" && line.message.startsWith("agents.Slow.stop_timeout:"));
  expect(warnings.map((line) => line.message)).toEqual([
    "agents.Slow.stop_timeout: 3 s exceeds orchestrator.command_timeout (2 s): a stop or restart that waits out stop_timeout " +
      "is answered COMMAND_TIMEOUT after 2 s while the stop goes on (SIGKILL at 3 s); raise command_timeout or lower stop_timeout",
  ]);
  expect((await served.data("ps")).agents.map((agent) => agent.status)).toEqual(["running"]);
});
