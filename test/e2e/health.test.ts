// Readiness and liveness checks against the compiled binary: a dependent on `ready` waits for a
// provider that becomes ready only when the test says so; a failing liveness check restarts the
// agent; tcp, http and log checks; status shows the last result.

import { expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentStatusData } from "../../src/protocol/commands.ts";
import type { EventType } from "../../src/protocol/events.ts";
import { agent, inStatus, psOf, running, statusOf, until } from "../helpers/agents-toml.ts";
import { isAlive } from "../helpers/processes.ts";
import { serve, type Served } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

async function events(served: Served, type: EventType, agentName: string) {
  return (await served.data("history", { type, agent: agentName })).events;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

test.concurrent("a dependent on `ready` waits until its provider's check passes; one on `started` does not", async () => {
  using _slot = await serveSlot();
  await using served = await serve(
    `[agents.Db]\ncommand = ["sleep", "300"]\n[agents.Db.ready]\ncommand = ["test", "-f", "db.ready"]\ninterval = 0.1\n\n` +
      agent("App", { command: ["sleep", "300"], depends_on: { Db: "ready" } }) +
      agent("Sidecar", { command: ["sleep", "300"], depends_on: { Db: "started" } }),
  );
  await running(served, "Sidecar");
  // The check keeps failing: Db is "starting" and App keeps waiting, however long that takes.
  await waitFor(async () => ((await statusOf(served, "Db")).health.ready?.consecutive_failures ?? 0) >= 3, "a few failed checks");
  expect((await psOf(served, "Db")).status).toBe("starting");
  expect(await psOf(served, "App")).toMatchObject({ status: "waiting", waiting_reason: "dependencies", pid: null });

  writeFileSync(join(served.dir, "db.ready"), "");
  await running(served, "App");
  expect((await psOf(served, "Db")).status).toBe("running");
  const [ready] = await events(served, "AGENT_READY", "Db");
  const [started] = await events(served, "AGENT_STARTED", "App");
  expect(ready?.details).toMatchObject({ check: "exit 0" });
  expect(started?.seq).toBeGreaterThan(ready?.seq ?? Number.POSITIVE_INFINITY);
  const health = (await statusOf(served, "Db")).health;
  expect(health).toEqual({
    ready: { healthy: true, consecutive_failures: 0, last_result: { ok: true, message: "exit 0", at: expect.any(String) } },
    alive: null,
  });
}, 30_000);

test.concurrent("a failing liveness check restarts the agent and says why", async () => {
  using _slot = await serveSlot();
  await using served = await serve(
    `[agents.Worker]\ncommand = ["sleep", "300"]\nstop_timeout = 1\n[agents.Worker.alive]\ncommand = ["test", "-f", "alive"]\ninterval = 0.2\nfailure_threshold = 2\n`,
  );
  writeFileSync(join(served.dir, "alive"), "");
  const first = await running(served, "Worker");
  await waitFor(async () => (await statusOf(served, "Worker")).health.alive?.healthy === true, "the agent to be healthy");

  rmSync(join(served.dir, "alive"));
  const unhealthy = await waitFor(async () => (await events(served, "AGENT_UNHEALTHY", "Worker"))[0], "AGENT_UNHEALTHY");
  expect(unhealthy.details).toMatchObject({ pid: first.pid, failures: 2, check: "exit 1" });
  writeFileSync(join(served.dir, "alive"), "");
  const second = await until(served, "Worker", (row) => row.status === "running" && row.pid !== first.pid, "to run again");
  expect(second.restarts).toBeGreaterThan(first.restarts);
  expect(isAlive(first.pid as number)).toBe(false);
  expect(served.stderr()).toMatch(/Worker failed its liveness check 2 times \(pid \d+; exit 1\): restarting/);
}, 30_000);

test.concurrent("tcp, http and log checks: ready once the port answers, the URL gives 2xx, the line appears", async () => {
  using _slot = await serveSlot();
  const port = freePort();
  const server = `import http.server, time; time.sleep(0.5); http.server.HTTPServer(("127.0.0.1", ${port}), http.server.SimpleHTTPRequestHandler).serve_forever()`;
  await using served = await serve(
    `[agents.Web]\ncommand = ["python3", "-c", ${JSON.stringify(server)}]\n[agents.Web.ready]\nhttp = "http://127.0.0.1:${port}/"\ninterval = 0.1\n\n` +
      `[agents.Port]\ncommand = ["sleep", "300"]\n[agents.Port.ready]\ntcp = "127.0.0.1:${port}"\ninterval = 0.1\n\n` +
      `[agents.Chatty]\ncommand = ["sh", "-c", "echo booting; sleep 0.3; echo listening on 8080; exec sleep 300"]\n[agents.Chatty.ready]\nlog = "listening on \\\\d+"\ninterval = 0.1\n`,
  );
  await Promise.all(["Web", "Port", "Chatty"].map((name) => inStatus(served, name, "running", 15_000)));
  const messages = await Promise.all(
    ["Web", "Port", "Chatty"].map(async (name) => ((await statusOf(served, name)) as AgentStatusData).health.ready?.last_result?.message),
  );
  expect(messages).toEqual(["HTTP 200", "connected", "a line matched"]);
}, 30_000);
