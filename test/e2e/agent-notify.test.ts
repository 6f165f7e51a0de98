// Agents → serve (sd_notify): a real serve from the compiled binary gives a `notify = true`
// agent its NOTIFY_SOCKET, and the agent's `pyorchestrate notify` (systemd-notify's
// equivalent, which waits on BARRIER=1 until serve has handled what it sent) drives readiness,
// STATUS and the watchdog. The transitions themselves are covered with a fake clock in
// test/unit/lifecycle-notify.test.ts; here the datagrams, credentials and sockets are real.

import { expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agent, psOf, running, sh, statusOf, until } from "../helpers/agents-toml.ts";
import { cli } from "../helpers/cli.ts";
import { BINARY, FIXTURES, serve, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const readyTable = (name: string, extra = "") => `[agents.${name}.ready]\nnotify = true\n${extra}\n`;

test.concurrent("READY=1 from the agent makes it running and starts its `ready` dependent; STATUS= shows; a stranger's READY=1 changes nothing", async () => {
  using _slot = await serveSlot();
  await using served = await serve(
    // Api says where its socket is, then waits for the test's go before it says READY=1.
    agent("Api", {
      command: sh(
        `echo "$NOTIFY_SOCKET" > socket-path.txt; while [ ! -e go ]; do sleep 0.05; done; "${BINARY}" notify --ready --status "serving on :8080"; exec sleep 300`,
      ),
    }) +
      readyTable("Api") +
      agent("Web", { command: ["sleep", "300"], depends_on: { Api: "ready" } }),
  );
  const socketFile = join(served.dir, "socket-path.txt");
  const socketPath = await waitFor(() => existsSync(socketFile) && readFileSync(socketFile, "utf8").trim(), "Api to write its NOTIFY_SOCKET");
  expect(socketPath.endsWith("/notify/Api.sock")).toBe(true);

  // A process outside Api's run reaches the socket: `notify` returns once serve has handled it.
  const stranger = await cli(["notify", "--ready"], { env: { NOTIFY_SOCKET: socketPath } });
  expect(stranger.code).toBe(0);
  expect((await psOf(served, "Api")).status).toBe("starting");
  expect(await psOf(served, "Web")).toMatchObject({ status: "waiting", waiting_reason: "dependencies" });

  writeFileSync(join(served.dir, "go"), "");
  const api = await running(served, "Api");
  expect(api.status_text).toBe("serving on :8080");
  await running(served, "Web");
  const { events } = await served.data("history", { last: 100 });
  const ready = events.find((event) => event.type === "AGENT_READY" && event.agent === "Api");
  expect(ready?.details).toMatchObject({ check: "READY=1" });
  expect((await statusOf(served, "Api")).status_text).toBe("serving on :8080");

  expect(await served.stop()).toBe(0);
  // serve removes the sockets it made.
  expect(existsSync(socketPath)).toBe(false);
}, 30_000);

test.concurrent("watchdog: WATCHDOG=1 keeps the agent; silence past `watchdog` seconds ends it and the restart policy starts a new run", async () => {
  using _slot = await serveSlot();
  const dir = tempDir();
  writeFileSync(join(dir, "ping"), "");
  await using served = await serve(
    // Pings while the file `ping` exists; the test removes it to fall silent.
    agent("Beat", {
      command: sh(`"${BINARY}" notify --ready; while [ -e ping ]; do "${BINARY}" notify WATCHDOG=1; sleep 0.2; done; exec sleep 300`),
      restart: "always",
    }) + readyTable("Beat", "watchdog = 2"),
    { dir },
  );
  const first = await running(served, "Beat");
  // Longer than the watchdog's time with pings: the same run, no AGENT_WATCHDOG.
  const kept = await until(served, "Beat", (row) => (row.uptime_seconds ?? 0) >= 3, "to run past its watchdog while pinging");
  expect(kept).toMatchObject({ pid: first.pid, restarts: 0 });
  const { events: before } = await served.data("history", { last: 100 });
  expect(before.some((event) => event.type === "AGENT_WATCHDOG")).toBe(false);

  rmSync(join(served.dir, "ping"));
  const second = await until(
    served,
    "Beat",
    (row) => row.restarts >= 1 && row.pid !== null && row.pid !== first.pid,
    "to be restarted by its watchdog",
    15_000,
  );
  expect(second.pid).not.toBe(first.pid);
  const { events } = await served.data("history", { last: 100 });
  const missed = events.find((event) => event.type === "AGENT_WATCHDOG" && event.agent === "Beat");
  expect(missed).toBeDefined();
  expect(await served.stop()).toBe(0);
}, 30_000);

test.concurrent("an agent that exits without READY=1 never becomes ready: its `ready` dependent keeps waiting", async () => {
  using _slot = await serveSlot();
  await using served = await serve(
    agent("Mute", { command: sh("sleep 0.2; exit 1"), restart: "never" }) +
      readyTable("Mute") +
      agent("Web", { command: ["sleep", "300"], depends_on: { Mute: "ready" } }),
  );
  const mute = await until(served, "Mute", (row) => row.status !== "starting" && row.status !== "waiting", "to leave starting");
  expect(mute.status).not.toBe("running");
  expect(await psOf(served, "Web")).toMatchObject({ status: "waiting", pid: null });
  const { events } = await served.data("history", { last: 100 });
  expect(events.some((event) => event.type === "AGENT_READY")).toBe(false);
}, 30_000);

test.concurrent("programs that already speak sd_notify work unchanged: a Python daemon (as `sdnotify` sends) and Debian's systemd-notify", async () => {
  using _slot = await serveSlot();
  const systemdNotify = Bun.which("systemd-notify");
  await using served = await serve(
    agent("Py", { command: ["python3", join(FIXTURES, "sd-notify-daemon.py")] }) +
      readyTable("Py", "watchdog = 5") +
      (systemdNotify
        ? agent("Sh", { command: sh(`sleep 0.2; ${systemdNotify} --ready --status="from systemd-notify"; exec sleep 300`) }) + readyTable("Sh")
        : ""),
  );
  expect((await running(served, "Py")).status_text).toBe("accepting jobs");
  if (systemdNotify) expect((await running(served, "Sh")).status_text).toBe("from systemd-notify");
}, 30_000);
