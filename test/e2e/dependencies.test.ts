// `dependencies` through the compiled binary: the JSON data (providers of every agent, start
// order, edges with their state now) and the table, before and after an edge becomes satisfied.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { agent } from "../helpers/agents-toml.ts";
import { cleanEnv, cli } from "../helpers/cli.ts";
import { BINARY, serve, type Served } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

setDefaultTimeout(20_000);

// Declared out of start order on purpose: Report first, its providers after.
const AGENTS =
  agent("Report", { command: ["sleep", "30"], depends_on: { Alert: "started", Warm: "completed" } }) +
  agent("Warm", { command: ["true"], kind: "oneshot" }) +
  agent("Weather", { command: ["sleep", "30"], depends_on: { Warm: "completed" } }) +
  agent("Proc", { command: ["sleep", "30"], depends_on: ["Weather"] }) +
  agent("Alert", { command: ["sleep", "30"], depends_on: ["Proc"], autostart: false });

describe("dependencies", () => {
  let served: Served;

  beforeAll(async () => {
    served = await serve(AGENTS);
    await waitFor(async () => {
      const { agents } = await served.data("ps");
      const status = (name: string) => agents.find((row) => row.name === name)?.status;
      return status("Proc") === "running" && status("Report") === "waiting";
    }, "Proc to run while Report waits for Alert");
  });
  afterAll(async () => {
    await served?.[Symbol.asyncDispose]();
  });

  test("JSON, then the table; an edge turns satisfied once its provider starts", async () => {
    const ran = await cli(["dependencies", served.socket]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    const envelope = JSON.parse(ran.stdout);
    expect(envelope).toEqual({
      status: "success",
      data: {
        dependencies: { Report: ["Alert", "Warm"], Warm: [], Weather: ["Warm"], Proc: ["Weather"], Alert: ["Proc"] },
        order: ["Warm", "Weather", "Proc", "Alert", "Report"],
        edges: [
          { from: "Alert", to: "Report", condition: "started", satisfied: false },
          { from: "Warm", to: "Report", condition: "completed", satisfied: true },
          { from: "Warm", to: "Weather", condition: "completed", satisfied: true },
          { from: "Weather", to: "Proc", condition: "started", satisfied: true },
          { from: "Proc", to: "Alert", condition: "started", satisfied: true },
        ],
      },
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });

    const table = await cli(["dependencies", "--socket", served.socket, "--format", "table"]);
    expect(table).toEqual({
      code: 0,
      stdout: [
        "Weather ← Warm (completed ✓)",
        "Proc    ← Weather (started ✓)",
        "Alert   ← Proc (started ✓)",
        "Report  ← Alert (started ✗)",
        "        ← Warm (completed ✓)",
        "Warm    (no dependencies)",
        "",
        "Start order: Warm → Weather → Proc → Alert → Report",
        "",
      ].join("\n"),
      stderr: "",
    });

    expect((await served.call("start", { agent: "Alert" })).status).toBe("success");
    await waitFor(async () => (await served.data("ps")).agents.find((row) => row.name === "Report")?.status === "running", "Report to start");
    const after = await served.data("dependencies");
    expect(after.edges.every((edge) => edge.satisfied)).toBe(true);
    expect((await cli(["dependencies", served.socket, "--format", "table"])).stdout).toContain("Report  ← Alert (started ✓)\n");
  });

  test("an agent name where none is taken: usage error", async () => {
    const ran = await cli(["dependencies", "Report", served.socket]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toStartWith("✗ unexpected argument 'Report'\nUsage: pyorchestrate dependencies ");
  });

  test.skipIf(!Bun.which("script"))("colour on a terminal, never with NO_COLOR", async () => {
    const onTerminal = async (env: Record<string, string | undefined>) => {
      const term = Bun.spawn(["script", "-qec", `exec "${BINARY}" dependencies "${served.socket}"`, "/dev/null"], {
        env,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, code] = await Promise.all([new Response(term.stdout).text(), term.exited]);
      return { stdout, code };
    };
    const colourEnv = cleanEnv();
    delete colourEnv.NO_COLOR;
    const coloured = await onTerminal(colourEnv);
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain("Warm (completed \u001b[32m✓\u001b[39m)");
    const plain = await onTerminal(cleanEnv());
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("Warm (completed ✓)");
    expect(plain.stdout).not.toContain("\u001b[");
  });

  test("allowed_commands may name it: the config is valid", async () => {
    const config = join(served.dir, "allowed.toml");
    writeFileSync(config, `[orchestrator]\nallowed_commands = ["ps", "dependencies"]\n\n[agents.A]\ncommand = ["true"]\n`);
    const ran = await cli(["validate", config]);
    expect(ran.code).toBe(0);
  });
});
