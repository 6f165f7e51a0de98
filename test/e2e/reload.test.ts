// Reload (the command and SIGHUP) against the compiled binary: agents added, removed, changed and
// unchanged as the file says; an invalid file changes nothing; settings bound to the socket wait
// for a restart of serve.

import { expect, test } from "bun:test";
import { agent, armed, inStatus, psAll, running } from "../helpers/agents-toml.ts";
import { cli } from "../helpers/cli.ts";
import { isAlive } from "../helpers/processes.ts";
import { serve } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const BEFORE =
  agent("Keep", { command: ["sleep", "300"] }) +
  agent("Change", { command: ["sleep", "300"] }) +
  agent("Drop", { command: ["sleep", "300"] }) +
  agent("Idle", { command: ["sleep", "300"], autostart: false });

const AFTER =
  agent("Keep", { command: ["sleep", "300"] }) +
  agent("Change", { command: ["sleep", "301"] }) +
  agent("Idle", { command: ["sleep", "300"], autostart: false }) +
  agent("Fresh", { command: ["sleep", "300"], depends_on: ["Keep"] }) +
  agent("Manual", { command: ["sleep", "300"], autostart: false });

async function allUp(served: Awaited<ReturnType<typeof serve>>) {
  const [keep, change, drop] = await Promise.all(["Keep", "Change", "Drop"].map((name) => running(served, name)));
  return { keep: keep?.pid as number, change: change?.pid as number, drop: drop?.pid as number };
}

test.concurrent("`reload` adds, removes, restarts changed agents and leaves unchanged ones alone", async () => {
  using _slot = await serveSlot();
  await using served = await serve(BEFORE);
  const before = await allUp(served);
  served.rewrite(AFTER);

  const ran = await cli(["reload", "--socket", served.socket]);
  expect(ran.code).toBe(0);
  expect(JSON.parse(ran.stdout).data).toEqual({
    added: ["Fresh", "Manual"],
    removed: ["Drop"],
    changed: ["Change"],
    unchanged: ["Keep", "Idle"],
    requires_restart: [],
  });

  expect(isAlive(before.drop)).toBe(false);
  const rows = await psAll(served);
  expect(Object.keys(rows)).toEqual(["Keep", "Change", "Idle", "Fresh", "Manual"]);
  expect(rows.Keep?.pid).toBe(before.keep);
  expect(rows.Idle?.status).toBe("stopped");
  expect(rows.Manual?.status).toBe("stopped");
  expect(isAlive(before.change)).toBe(false);
  const changed = await running(served, "Change");
  expect(changed.pid).not.toBe(before.change);
  await running(served, "Fresh");
  expect(served.stderr()).toMatch(/configuration reloaded: added Fresh, Manual; removed Drop; changed Change; 2 unchanged/);

  // Nothing changed since: a second reload touches nothing, and says so on a terminal.
  const again = await cli(["reload", "--socket", served.socket, "--format", "table"]);
  expect(again.stdout).toBe("✓ Configuration reloaded: 0 added, 0 removed, 0 changed, 5 unchanged\n  unchanged: Keep, Change, Idle, Fresh, Manual\n");
  expect((await psAll(served)).Change?.pid).toBe(changed.pid);
}, 30_000);

test.concurrent("an invalid file is rejected with CONFIG_ERROR naming each error; the running agents stay as they were", async () => {
  using _slot = await serveSlot();
  await using served = await serve(BEFORE);
  const before = await allUp(served);
  served.rewrite(`${BEFORE}[agents.Broken]\ncommand = ["sleep", "1"]\nexecution_interval = -5\ndepends_on = ["Nobody"]\n`);

  const ran = await cli(["reload", "--socket", served.socket]);
  expect(ran.code).toBe(1);
  const envelope = JSON.parse(ran.stdout);
  expect(envelope.error.code).toBe("CONFIG_ERROR");
  expect(envelope.error.details.errors).toEqual(
    expect.arrayContaining([expect.stringContaining("agents.Broken.execution_interval"), expect.stringContaining("Nobody")]),
  );
  const table = await cli(["reload", "--socket", served.socket, "--format", "table"]);
  expect(table.code).toBe(1);
  expect(table.stderr).toStartWith("✗ ");
  expect(table.stderr).toContain("the running configuration stays");

  const rows = await psAll(served);
  expect(Object.keys(rows)).toEqual(["Keep", "Change", "Drop", "Idle"]);
  expect([rows.Keep?.pid, rows.Change?.pid, rows.Drop?.pid]).toEqual([before.keep, before.change, before.drop]);
}, 30_000);

test.concurrent("SIGHUP reloads; a bad file on SIGHUP is logged and serve keeps running the old config", async () => {
  using _slot = await serveSlot();
  await using served = await serve(BEFORE);
  const before = await allUp(served);

  served.rewrite(`${BEFORE}[agents.Broken]\nkind = "sometimes"\n`);
  served.proc.kill("SIGHUP");
  await waitFor(() => served.stderr().includes("reload rejected"), "serve to reject the bad file");
  expect(served.stderr()).toContain("agents.Broken.kind");
  expect(served.proc.exitCode).toBeNull();
  expect((await psAll(served)).Drop?.pid).toBe(before.drop);

  served.rewrite(AFTER);
  served.proc.kill("SIGHUP");
  await waitFor(() => served.stderr().includes("configuration reloaded"), "serve to reload");
  await waitFor(() => !isAlive(before.drop), "the removed agent to be stopped");
  const rows = await psAll(served);
  expect(Object.keys(rows)).toEqual(["Keep", "Change", "Idle", "Fresh", "Manual"]);
  expect(rows.Keep?.pid).toBe(before.keep);
}, 30_000);

test.concurrent("orchestrator settings: max_workers and allowed_commands apply at once; the socket's wait for a restart", async () => {
  using _slot = await serveSlot();
  await using served = await serve(agent("Keep", { command: ["sleep", "300"] }));
  await running(served, "Keep");
  served.rewrite(agent("Keep", { command: ["sleep", "300"] }), `max_workers = 3\nallowed_commands = "monitoring"\ncommand_socket_permissions = 0o660`);

  const reloaded = await served.data("reload");
  expect(reloaded).toEqual({ added: [], removed: [], changed: [], unchanged: ["Keep"], requires_restart: ["orchestrator.command_socket_permissions"] });
  const status = (await served.data("status")) as { max_workers: number };
  expect(status.max_workers).toBe(3);
  const denied = await served.call("stop", { agent: "Keep" });
  expect(denied.status === "error" && denied.error.code).toBe("PERMISSION_DENIED");
  // reload itself is not in "monitoring": the operator who narrowed the commands cannot undo it over the socket.
  const again = await served.call("reload");
  expect(again.status === "error" && again.error.code).toBe("PERMISSION_DENIED");
  expect((await cli(["reload", "--socket", served.socket, "--format", "table"])).stderr).toContain("not allowed");
}, 30_000);

test.concurrent("a reload while another command is changing an agent gets ORCHESTRATOR_BUSY, and a stop during a reload too", async () => {
  using _slot = await serveSlot();
  const STUBBORN = agent("Stubborn", { command: ["sh", "-c", "trap '' TERM; sleep 300 & wait"], stop_timeout: 1 });
  await using served = await serve(STUBBORN + agent("Other", { command: ["sleep", "300"] }));
  // armed: its trap is set (the sleep after it has started), so the stop cannot end it at once.
  await armed(served, "Stubborn");
  await running(served, "Other");

  const stopping = served.call("stop", { agent: "Stubborn" });
  await inStatus(served, "Stubborn", "stopping");
  const busy = await served.call("reload");
  expect(busy.status === "error" && busy.error.code).toBe("ORCHESTRATOR_BUSY");
  expect((await stopping).status).toBe("success");

  // Changing Stubborn makes the reload wait out its stop_timeout; meanwhile other changes are refused.
  await served.data("start", { agent: "Stubborn" });
  await armed(served, "Stubborn");
  served.rewrite(
    agent("Stubborn", { command: ["sh", "-c", "trap '' TERM; sleep 301 & wait"], stop_timeout: 1 }) + agent("Other", { command: ["sleep", "300"] }),
  );
  const reloading = served.call("reload");
  await inStatus(served, "Stubborn", "stopping");
  const refused = await served.call("stop", { agent: "Other" });
  expect(refused.status === "error" && refused.error.code).toBe("ORCHESTRATOR_BUSY");
  const done = await reloading;
  expect(done.status === "success" && done.data.changed).toEqual(["Stubborn"]);
}, 30_000);
