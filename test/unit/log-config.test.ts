// log_max_size and log_keep: size units, ranges, and per-agent values over [orchestrator] defaults.

import { describe, expect, test } from "bun:test";
import { byteSize } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";

const FILE = "/srv/weather/pyorchestrate.toml";

function errorsOf(raw: unknown): string[] {
  const result = validateConfig(raw, FILE);
  return result.ok ? [] : result.errors;
}

function logSettings(raw: Record<string, unknown>) {
  const result = validateConfig(raw, FILE);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  const { orchestrator, agents } = result.config;
  return {
    orchestrator: [orchestrator.log_max_size, orchestrator.log_keep],
    agents: Object.fromEntries(agents.map((agent) => [agent.name, [agent.log_max_size, agent.log_keep]])),
  };
}

describe("byteSize", () => {
  test.each([
    [0, 0],
    [1_048_576, 1_048_576],
    ["0", 0],
    ["1234", 1_234],
    ["100B", 100],
    ["512KB", 512_000],
    ["10MB", 10_000_000],
    ["1GB", 1_000_000_000],
    ["64KiB", 65_536],
    ["10MiB", 10_485_760],
    ["1GiB", 1_073_741_824],
    ["10mb", 10_000_000],
    [" 2 MiB ", 2_097_152],
    ["1.5MB", 1_500_000],
  ] as const)("%p is %p bytes", (input, bytes) => {
    expect(byteSize(input)).toEqual({ ok: true, value: bytes });
  });

  const refused: unknown[] = [-1, 1.5, Number.NaN, "", "MB", "10 M", "10K", "ten MB", "-5MB", "1e3", "10 MB MB", true, ["10MB"], { MB: 10 }];
  test.each(refused.map((input) => [input]))("%p is refused", (input) => {
    expect(byteSize(input).ok).toBe(false);
  });
});

describe("log_max_size and log_keep in the config", () => {
  test("defaults: 10 MB and 5 files, for the orchestrator and every agent", () => {
    expect(logSettings({ agents: { A: { command: "a" } } })).toEqual({
      orchestrator: [10_000_000, 5],
      agents: { A: [10_000_000, 5] },
    });
  });

  test("[orchestrator] values are every agent's defaults; an agent's own values win", () => {
    const settings = logSettings({
      orchestrator: { log_max_size: "1MiB", log_keep: 2 },
      agents: {
        Inherits: { command: "a" },
        OwnSize: { command: "b", log_max_size: 0 },
        OwnKeep: { command: "c", log_keep: 1000 },
        Both: { command: "d", log_max_size: "512KB", log_keep: 1 },
      },
    });
    expect(settings).toEqual({
      orchestrator: [1_048_576, 2],
      agents: {
        Inherits: [1_048_576, 2],
        OwnSize: [0, 2],
        OwnKeep: [1_048_576, 1000],
        Both: [512_000, 1],
      },
    });
  });

  const sizeError = 'must be a size: bytes as an integer, or a string such as "512KB", "10MB", "1GB", "64KiB" or "1GiB"';
  test.each([
    [{ orchestrator: { log_max_size: "10 M" } }, `orchestrator.log_max_size: ${sizeError} (got string "10 M")`],
    [{ orchestrator: { log_max_size: -1 } }, `orchestrator.log_max_size: ${sizeError} (got -1)`],
    [{ orchestrator: { log_keep: 0 } }, "orchestrator.log_keep: must be an integer from 1 to 1000 (got 0)"],
    [{ orchestrator: { log_keep: 1001 } }, "orchestrator.log_keep: must be an integer from 1 to 1000 (got 1001)"],
    [{ orchestrator: { log_keep: "5" } }, 'orchestrator.log_keep: must be an integer from 1 to 1000 (got string "5")'],
    [{ agents: { A: { command: "a", log_max_size: 2.5 } } }, `agents.A.log_max_size: ${sizeError} (got 2.5)`],
    [{ agents: { A: { command: "a", log_max_size: true } } }, `agents.A.log_max_size: ${sizeError} (got boolean true)`],
    [{ agents: { A: { command: "a", log_keep: 1.5 } } }, "agents.A.log_keep: must be an integer from 1 to 1000 (got 1.5)"],
    [{ agents: { A: { command: "a", log_max_sise: "1MB" } } }, "agents.A.log_max_sise: unknown key (did you mean 'log_max_size'?)"],
    [{ orchestrator: { log_kep: 3 } }, "orchestrator.log_kep: unknown key (did you mean 'log_keep'?)"],
  ])("%j → %s", (raw, error) => {
    expect(errorsOf(raw)).toEqual([error]);
  });
});
