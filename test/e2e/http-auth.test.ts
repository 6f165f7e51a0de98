// Who may use the HTTP listener (compiled binary): the token (Bearer or a session cookie from
// the login page), the fixed delay of a 401, the Origin check on changing requests, and the
// read-only loopback listener without a token — each refusal audited as the socket audits one.

import { expect } from "bun:test";
import { UNAUTHORIZED_DELAY_MS } from "../../src/http/auth.ts";
import { presetCommands } from "../../src/protocol/command-table.ts";
import type { HistoryData } from "../../src/protocol/history.ts";
import { agent, psOf, sh } from "../helpers/agents-toml.ts";
import { type HttpServed, serveHttp, TOKEN } from "../helpers/http.ts";
import { concurrent } from "../helpers/slots.ts";

const AGENTS = agent("Worker", { command: sh("trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done") });

/** Logs in through the form as a browser does; the session cookie ("name=value"). */
async function login(http: HttpServed): Promise<string> {
  const response = await http.fetch("/login", {
    token: null,
    method: "POST",
    headers: { Origin: http.url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: TOKEN }),
  });
  expect(response.status).toBe(303);
  const cookie = response.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/^pyorchestrate_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  return cookie.split(";")[0] as string;
}

async function httpAudits(http: HttpServed, type: "COMMAND_EXECUTED" | "COMMAND_REJECTED") {
  const history = (await http.served.data("history", { type, last: 100 })) as HistoryData;
  return history.events.filter((event) => event.details.transport === "http").map((event) => event.details);
}

concurrent("with a token: none or a wrong one is answered 401 after the fixed delay, the right one gets the envelope", async () => {
  await using http = await serveHttp(AGENTS);
  const none = await http.fetch("/api/v1/ps", { token: null });
  expect(none.status).toBe(401);
  expect(none.headers.get("www-authenticate")).toBe('Bearer realm="pyorchestrate"');
  expect(await none.json()).toMatchObject({ status: "error", error: { code: "UNAUTHORIZED" } });
  const before = performance.now();
  const wrong = await http.fetch("/api/v1/ps", { token: `${TOKEN}x` });
  expect([wrong.status, performance.now() - before >= UNAUTHORIZED_DELAY_MS - 5]).toEqual([401, true]);
  expect((await http.fetch("/metrics", { token: "not-it" })).status).toBe(401);

  const right = await http.api("ps");
  expect(right.status).toBe(200);
  expect(right.envelope).toMatchObject({ id: expect.any(Number), status: "success", data: { agents: [{ name: "Worker" }] } });
  const metrics = await http.fetch("/metrics");
  expect([metrics.status, metrics.headers.get("content-type")]).toEqual([200, "text/plain; version=0.0.4; charset=utf-8"]);
  // A browser without a session is sent to the login page.
  const page = await http.fetch("/", { token: null });
  expect([page.status, page.headers.get("location")]).toEqual([303, "/login"]);
  expect(http.served.stderr()).toContain("refused a request from 127.0.0.1 without a valid token");
});

concurrent("the login page trades the token for an HttpOnly, SameSite=Strict session; logout ends it", async () => {
  await using http = await serveHttp(AGENTS);
  const form = await http.fetch("/login", { token: null });
  expect(form.status).toBe(200);
  expect(await form.text()).toContain('<input id="token" name="token" type="password"');
  const wrong = await http.fetch("/login", {
    token: null,
    method: "POST",
    headers: { Origin: http.url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: "wrong-token-wrong-token" }),
  });
  expect(wrong.status).toBe(401);
  expect(await wrong.text()).toContain("That token is not the one in the token file.");
  // Someone else's page cannot log a browser in (login CSRF).
  const foreign = await http.fetch("/login", {
    token: null,
    method: "POST",
    headers: { Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: TOKEN }),
  });
  expect(foreign.status).toBe(403);

  const cookie = await login(http);
  expect((await http.api("ps", {}, { token: null, headers: { Cookie: cookie } })).status).toBe(200);
  const dashboard = await http.fetch("/", { token: null, headers: { Cookie: cookie } });
  expect(dashboard.status).toBe(200);
  expect(await dashboard.text()).toContain('<table id="agents-table"');
  const out = await http.fetch("/logout", { token: null, method: "POST", headers: { Cookie: cookie, Origin: http.url } });
  expect([out.status, out.headers.get("set-cookie")]).toEqual([303, "pyorchestrate_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"]);
  expect((await http.api("ps", {}, { token: null, headers: { Cookie: cookie } })).status).toBe(401);
});

concurrent("a changing POST from a foreign Origin is refused and audited; the agent keeps running", async () => {
  await using http = await serveHttp(AGENTS);
  const cookie = await login(http);
  const foreign = await http.api("stop", { agent: "Worker" }, { method: "POST", token: null, headers: { Cookie: cookie, Origin: "http://evil.example" } });
  expect(foreign.status).toBe(403);
  expect(foreign.envelope).toMatchObject({ status: "error", error: { code: "PERMISSION_DENIED" } });
  // A session cookie alone is what a browser adds: without an Origin it is not enough.
  const bare = await http.api("stop", { agent: "Worker" }, { method: "POST", token: null, headers: { Cookie: cookie } });
  expect(bare.status).toBe(403);
  expect((await psOf(http.served, "Worker")).status).toBe("running");
  const rejected = await httpAudits(http, "COMMAND_REJECTED");
  expect(rejected).toContainEqual(expect.objectContaining({ command: "stop", error_code: "PERMISSION_DENIED", transport: "http", peer: "127.0.0.1" }));

  // The dashboard's own request: the session and this origin.
  const own = await http.api("stop", { agent: "Worker" }, { method: "POST", token: null, headers: { Cookie: cookie, Origin: http.url } });
  expect([own.status, own.envelope.status]).toEqual([200, "success"]);
  expect(await httpAudits(http, "COMMAND_EXECUTED")).toContainEqual(
    expect.objectContaining({ command: "stop", result: "success", transport: "http", peer: "127.0.0.1" }),
  );
});

concurrent("without a token: loopback and read-only — a stop is refused (403, audited) whatever allowed_commands says", async () => {
  await using http = await serveHttp(AGENTS, { token: false, orchestrator: 'allowed_commands = "all"' });
  const ps = await http.api("ps");
  expect([ps.status, ps.envelope.status]).toEqual([200, "success"]);
  const session = (await (await http.fetch("/ui/session")).json()) as { read_only: boolean; permitted: string[] };
  expect([session.read_only, [...session.permitted].sort()]).toEqual([true, presetCommands("monitoring").sort()]);

  for (const command of ["stop", "restart", "reload", "shutdown"]) {
    const refused = await http.api(command, command === "stop" || command === "restart" ? { agent: "Worker" } : {}, { method: "POST" });
    expect([command, refused.status, refused.envelope.status === "error" && refused.envelope.error.code]).toEqual([command, 403, "PERMISSION_DENIED"]);
  }
  expect((await psOf(http.served, "Worker")).status).toBe("running");
  expect(await httpAudits(http, "COMMAND_REJECTED")).toContainEqual(
    expect.objectContaining({ command: "stop", error_code: "PERMISSION_DENIED", transport: "http", peer: "127.0.0.1" }),
  );
  // The dashboard needs no login here; a page that resolved its own name to 127.0.0.1 gets nothing.
  expect((await http.fetch("/")).status).toBe(200);
  expect((await http.fetch("/login")).headers.get("location")).toBe("/");
  expect((await http.fetch("/api/v1/ps", { headers: { Host: "evil.example" } })).status).toBe(403);
  // The socket is not narrowed.
  expect((await http.served.call("stop", { agent: "Worker" }, 20_000)).status).toBe("success");
});

concurrent("blocked_commands and allowed_commands apply over HTTP as on the socket", async () => {
  await using http = await serveHttp(AGENTS, { orchestrator: 'blocked_commands = ["stop"]' });
  const refused = await http.api("stop", { agent: "Worker" }, { method: "POST" });
  expect([refused.status, refused.envelope.status === "error" && refused.envelope.error]).toEqual([
    403,
    { code: "PERMISSION_DENIED", message: "Command 'stop' is not allowed by this orchestrator's configuration", details: { command: "stop" } },
  ]);
  const session = (await (await http.fetch("/ui/session")).json()) as { permitted: string[] };
  expect(session.permitted).not.toContain("stop");
  expect(session.permitted).toContain("restart");
});

concurrent("metrics_public opens /metrics and nothing else", async () => {
  await using http = await serveHttp(AGENTS, { http: "metrics_public = true" });
  expect((await http.fetch("/metrics", { token: null })).status).toBe(200);
  expect((await http.fetch("/api/v1/ps", { token: null })).status).toBe(401);
  expect((await http.fetch("/ui/feed", { token: null })).status).toBe(401);
});
