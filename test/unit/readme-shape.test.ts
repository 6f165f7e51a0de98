// The README checker's own parts (test/helpers/readme-blocks.ts, output-shape.ts): what counts as
// the same shape, and what does not — so readme-examples.test.ts cannot pass by matching anything.

import { describe, expect, test } from "bun:test";
import { compareKeys, compareLines } from "../helpers/output-shape.ts";
import { jsonValues, sessions } from "../helpers/readme-blocks.ts";

const AGENTS = ["CacheWarmup", "WeatherAgent", "DataProcessor", "AlertManager"];

describe("compareLines", () => {
  const ps = [
    "NAME             STATUS                         PID    UPTIME",
    "CacheWarmup      completed                      -      -",
    "WeatherAgent     waiting (next run 19:16:55Z)   -      -",
    "DataProcessor    running                        9570   00:00:01",
    "AlertManager     running                        9571   00:00:01",
  ];

  test("values may differ: times, pids, widths", () => {
    const printed = [
      "NAME             STATUS                         PID     UPTIME",
      "CacheWarmup      completed                      -       -",
      "WeatherAgent     waiting (next run 00:34:55Z)   -       -",
      "DataProcessor    running                        25736   00:00:02",
      "AlertManager     running                        25738   01:00:02",
    ].join("\n");
    expect(compareLines(ps, printed, AGENTS)).toBeNull();
  });

  test("a time's form, a word, a label, a symbol, a missing or an extra line do not", () => {
    const variants = [
      ps.map((line) => line.replace("55Z)", "55)")),
      ps.map((line) => line.replace("completed", "done")),
      ps.map((line) => line.replace("UPTIME", "UP")),
      ps.slice(0, 4),
      [...ps, "AlertManager     failed                         -      -"],
    ];
    for (const printed of variants) expect(compareLines(ps, printed.join("\n"), AGENTS)).not.toBeNull();
    expect(compareLines(["✓ Agent 'WeatherAgent' stopped gracefully"], "✗ Agent 'WeatherAgent' stopped gracefully", AGENTS)).not.toBeNull();
  });

  test("rows of one pattern stand for one or more; an elision for any lines; details are data", () => {
    const doc = ["Events:", "  COMMAND_EXECUTED: 5", "  AGENT_STARTED: 3", "  ...", "", "1 2026-11-24T19:16:44Z INFO ORCHESTRATOR_STARTED - name=x pid=1"];
    const printed = ["Events:", "  AGENT_READY: 9", "", "12 2026-12-08T01:07:49Z INFO COMMAND_EXECUTED DataProcessor command=status result=success"];
    expect(compareLines(doc, printed.join("\n"), AGENTS)).toBeNull();
    expect(compareLines(doc, ["Events:", "", printed[3]].join("\n"), AGENTS)).toContain("documented line 2");
  });
});

describe("compareKeys", () => {
  test("the same keys pass whatever the values; a key missing or added fails, with its path", () => {
    const doc = { status: "success", data: { agents: [{ name: "A", pid: 1 }] }, timestamp: "t" };
    expect(
      compareKeys(doc, {
        status: "success",
        data: {
          agents: [
            { name: "B", pid: null },
            { name: "C", pid: 2 },
          ],
        },
        timestamp: "u",
      }),
    ).toEqual([]);
    expect(compareKeys(doc, { status: "success", data: { agents: [{ name: "B" }] }, timestamp: "u" })).toEqual([
      ".data.agents[0].pid: documented, not printed",
    ]);
    expect(compareKeys(doc, { status: "success", data: { agents: [] }, timestamp: "u", id: 1 })).toEqual([".id: printed, not documented"]);
  });

  test("keys only some documented elements have are optional; maps and details are data", () => {
    const doc = { lines: [{ line: "a" }, { line: "b", partial: true }], by_type: { AGENT_STARTED: 1 }, details: { pid: 1 } };
    expect(compareKeys(doc, { lines: [{ line: "c" }], by_type: { COMMAND_EXECUTED: 3, AGENT_READY: 1 }, details: { command: "ps" } })).toEqual([]);
    expect(compareKeys(doc, { lines: [{ line: "c", agent: "A" }], by_type: {}, details: {} })).toEqual([".lines[0].agent: printed, not documented"]);
  });
});

describe("readme blocks", () => {
  test("a session's commands and outputs, the json block after it, several envelopes in one block", () => {
    const text = [
      "```",
      "$ pyorchestrate stop X",
      "✓ stopped",
      "$ pyorchestrate start X",
      "✓ started",
      "```",
      "",
      "Some prose.",
      "",
      "```json",
      '{ "a": 1 }',
      '{ "b": [1, "}"] }',
      "```",
    ].join("\n");
    expect(sessions(text)).toEqual([
      {
        line: 1,
        showsOutput: true,
        commands: [
          { line: 2, command: "pyorchestrate stop X", output: ["✓ stopped"] },
          { line: 4, command: "pyorchestrate start X", output: ["✓ started"] },
        ],
        json: { line: 10, values: [{ a: 1 }, { b: [1, "}"] }] },
      },
    ]);
    expect(jsonValues('{"x": "\\"{"}')).toEqual([{ x: '"{' }]);
  });

  test("a heading between a session and a json block parts them", () => {
    expect(sessions("```\n$ pyorchestrate ps\n```\n\n### other\n\n```json\n{}\n```\n")[0]?.json).toBeNull();
  });
});
