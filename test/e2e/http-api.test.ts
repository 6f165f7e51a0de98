// The commands over HTTP (compiled binary): the socket's envelope and dispatch, an HTTP status
// from each error code, arguments from the query or a JSON body, and streams as Server-Sent Events.

import { expect } from "bun:test";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PsData } from "../../src/protocol/commands.ts";
import type { HistoryData } from "../../src/protocol/history.ts";
import type { LogsData } from "../../src/protocol/logs.ts";
import type { Envelope } from "../../src/protocol/envelope.ts";
import { agent, armed, psOf, sh } from "../helpers/agents-toml.ts";
import { serveHttp, sseReader } from "../helpers/http.ts";
import { tempDir } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const LOOP = "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done";

const AGENTS = [
  agent("Worker", { command: sh(LOOP) }),
  agent("Idle", { command: sh(LOOP), autostart: false }),
  agent("Downstream", { command: sh(LOOP), depends_on: ["Worker"] }),
].join("");

const errorOf = (envelope: Envelope) => (envelope.status === "error" ? envelope.error.code : null);

concurrent("ps and dependencies over HTTP are the socket's envelope", async () => {
  await using http = await serveHttp(AGENTS);
  await waitFor(async () => (await psOf(http.served, "Downstream")).status === "running", "Downstream running");
  const overHttp = await http.api("ps");
  const overSocket = await http.served.call("ps");
  expect(Object.keys(overHttp.envelope).sort()).toEqual(Object.keys(overSocket).sort());
  const rows = (envelope: Envelope) =>
    envelope.status === "success" ? (envelope.data as PsData).agents.map(({ name, status, pid, kind }) => ({ name, status, pid, kind })) : null;
  expect(rows(overHttp.envelope)).toEqual(rows(overSocket));
  const dependencies = await http.api("dependencies");
  const socketDependencies = await http.served.call("dependencies");
  expect(dependencies.status).toBe(200);
  expect(dependencies.envelope.status === "success" && dependencies.envelope.data).toEqual(socketDependencies.status === "success" && socketDependencies.data);
});

concurrent("each error code has its HTTP status; arguments come from the query or a JSON body", async () => {
  await using http = await serveHttp(AGENTS);
  const missing = await http.api("status", { agent: "Nope" });
  expect([missing.status, errorOf(missing.envelope)]).toEqual([404, "AGENT_NOT_FOUND"]);
  expect(missing.envelope.status === "error" && missing.envelope.error.details?.available_agents).toEqual(["Worker", "Idle", "Downstream"]);
  const running = await http.api("start", { agent: "Worker" }, { method: "POST" });
  expect([running.status, errorOf(running.envelope)]).toEqual([409, "AGENT_ALREADY_RUNNING"]);
  const stopped = await http.api("stop", { agent: "Idle" }, { method: "POST" });
  expect([stopped.status, errorOf(stopped.envelope)]).toEqual([409, "AGENT_NOT_RUNNING"]);
  const badArgument = await http.api("logs", { agent: "Worker", lines: "many" });
  expect([badArgument.status, errorOf(badArgument.envelope)]).toEqual([400, "INVALID_ARGUMENT"]);
  const unknownArgument = await http.api("ps", { verbose: true });
  expect([unknownArgument.status, errorOf(unknownArgument.envelope)]).toEqual([400, "INVALID_ARGUMENT"]);
  const unknown = await http.api("frobnicate");
  expect([unknown.status, errorOf(unknown.envelope)]).toEqual([404, "UNKNOWN_COMMAND"]);

  const notJson = await http.fetch("/api/v1/start", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{agent:" });
  expect([notJson.status, errorOf((await notJson.json()) as Envelope)]).toEqual([400, "INVALID_REQUEST"]);
  const wrongMethod = await http.fetch("/api/v1/stop?agent=Worker");
  expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "POST"]);
  expect((await psOf(http.served, "Worker")).status).toBe("running");

  // A JSON body, then the query of a POST with no body.
  const started = await http.api("start", { agent: "Idle" }, { method: "POST" });
  expect([started.status, started.envelope.status === "success" && (started.envelope.data as { action: string }).action]).toEqual([200, "started"]);
  const byQuery = await http.fetch("/api/v1/stop?agent=Idle", { method: "POST" });
  expect([byQuery.status, ((await byQuery.json()) as { data: { action: string } }).data.action]).toEqual([200, "stopped"]);
  const lines = await http.api("logs", { agent: "Worker", lines: 5 });
  expect([lines.status, lines.envelope.status === "success" && (lines.envelope.data as LogsData).filters.lines]).toEqual([200, 5]);
  // ?agent=a&agent=b is the wire's "a,b": several agents at once.
  const both = await http.fetch("/api/v1/restart?agent=Worker&agent=Downstream", { method: "POST" });
  const restarted = ((await both.json()) as { data: { agents: { agent: string }[] } }).data.agents.map((row) => row.agent);
  expect([both.status, restarted.sort()]).toEqual([200, ["Downstream", "Worker"]]);
});

concurrent(
  "ORCHESTRATOR_BUSY (409) and COMMAND_TIMEOUT (504) come from the same dispatch as the socket's",
  async () => {
    const stubborn = agent("Stubborn", { command: sh("trap '' TERM; while true; do sleep 1 & wait $!; done"), stop_timeout: 6 });
    await using http = await serveHttp(stubborn, { orchestrator: "command_timeout = 1" });
    // Its trap in place (the loop's sleep is there), or SIGTERM would end it within the timeout.
    await armed(http.served, "Stubborn");
    const timedOut = await http.api("stop", { agent: "Stubborn" }, { method: "POST" });
    expect([timedOut.status, errorOf(timedOut.envelope)]).toEqual([504, "COMMAND_TIMEOUT"]);
    // The stop goes on server-side until SIGKILL at stop_timeout: the agent is busy meanwhile.
    const busy = await http.api("restart", { agent: "Stubborn" }, { method: "POST" });
    expect([busy.status, errorOf(busy.envelope)]).toEqual([409, "ORCHESTRATOR_BUSY"]);
    await waitFor(async () => (await psOf(http.served, "Stubborn")).status === "stopped", "Stubborn stopped", 15_000);
  },
  30_000,
);

concurrent(
  "streams are Server-Sent Events: logs and history follow, several agents' logs merged in one stream",
  async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "input.txt"), "");
    const echo = agent("Echo", { command: sh("exec tail -n0 -F input.txt") });
    await using http = await serveHttp(`${echo}${AGENTS}`, { dir });
    await waitFor(async () => (await psOf(http.served, "Echo")).pid !== null, "Echo running");

    const logs = await http.fetch("/api/v1/logs?agent=Echo&lines=10&follow=true");
    expect([logs.status, logs.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    const frames = sseReader(logs);
    expect((await frames.next()).data).toMatchObject({ id: expect.any(Number), status: "success", stream: true, data: { agent: "Echo" } });
    const line = `written after the stream began ${Math.random()}`;
    appendFileSync(join(dir, "input.txt"), `${line}\n`);
    await waitFor(async () => ((await frames.next()).data as { data: LogsData }).data.lines.some((entry) => entry.line === line), "the new line as an event");
    await frames.close();
    // The client left: the stream ends server-side and is audited like any command.
    await waitFor(async () => {
      const history = (await http.served.data("history", { type: "COMMAND_EXECUTED", last: 50 })) as HistoryData;
      return history.events.some((event) => event.details.command === "logs" && event.details.transport === "http");
    }, "the logs stream audited once it ended");

    const merged = sseReader(await http.fetch("/api/v1/logs?agent=Echo&agent=Worker&lines=1&follow=true"));
    const agents = new Set([(await merged.next()).data, (await merged.next()).data].map((frame) => (frame as { data: LogsData }).data.agent));
    expect([...agents].sort()).toEqual(["Echo", "Worker"]);
    await merged.close();
    // Several agents' logs are one stream or nothing.
    expect((await http.fetch("/api/v1/logs?agent=Echo&agent=Worker")).status).toBe(400);

    const history = sseReader(await http.fetch("/api/v1/history?last=1&follow=true"));
    await history.next();
    expect((await http.api("stop", { agent: "Worker" }, { method: "POST" })).status).toBe(200);
    await waitFor(
      async () =>
        ((await history.next()).data as { data: HistoryData }).data.events.some((event) => event.type === "AGENT_STOPPED" && event.agent === "Worker"),
      "AGENT_STOPPED over SSE",
    );
    await history.close();

    const stats = sseReader(await http.fetch("/api/v1/stats?watch=true&interval=0.5"));
    for (let i = 0; i < 2; i++) expect((await stats.next()).data).toMatchObject({ status: "success", stream: true, data: { agents: expect.any(Array) } });
    await stats.close();
  },
  30_000,
);
