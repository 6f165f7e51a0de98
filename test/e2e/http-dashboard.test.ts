// The dashboard in a real browser: Debian's Chromium driven by playwright-core (nothing
// downloads a browser), against the compiled binary serving the bundled example with [http]
// on. Log in with the token, see the agents, stop and start one and watch its status change
// without a reload, follow a log line written after the page opened.
// PYO_UPDATE_SCREENSHOT=1 also writes docs/dashboard.png (the README shows it).

import { expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { psOf } from "../helpers/agents-toml.ts";
import { serveHttp, TOKEN } from "../helpers/http.ts";
import { tempDir } from "../helpers/serve.ts";
import { waitFor } from "../helpers/wait.ts";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);

const EXAMPLE = resolve(import.meta.dir, "../../examples/weather");
const SCREENSHOT = resolve(import.meta.dir, "../../docs/dashboard.png");

/** The example's [orchestrator] settings (but its socket) and its agents, served from a copy of its folder. */
function example(): { dir: string; orchestrator: string; agents: string } {
  const dir = tempDir();
  cpSync(join(EXAMPLE, "agents"), join(dir, "agents"), { recursive: true });
  const text = readFileSync(join(EXAMPLE, "pyorchestrate.toml"), "utf8");
  const start = text.indexOf("[orchestrator]");
  const end = text.indexOf("\n\n", start);
  const orchestrator = text
    .slice(start + "[orchestrator]".length, end)
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("command_socket_path"))
    .join("\n");
  return { dir, orchestrator, agents: text.slice(end) };
}

async function browser(): Promise<{ context: BrowserContext; page: Page; [Symbol.asyncDispose](): Promise<void> }> {
  const profile = mkdtempSync("/tmp/pyo-chromium-");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 720 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async [Symbol.asyncDispose]() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const statusOf = (page: Page, agent: string) => page.locator(`tr[data-agent="${agent}"] .badge`);

/** What the tests read and leave on the page's global object (browser code: no DOM types here). */
interface PageGlobals {
  notReloaded?: boolean;
  longest: { ms: number; count: number };
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => { observe(options: { type: string }): void };
}

test("log in, see the agents, stop and start one live, follow a log line written after the page opened", async () => {
  const { dir, orchestrator, agents } = example();
  await using http = await serveHttp(agents, { dir, orchestrator });
  await using chrome = await browser();
  const { page } = chrome;
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));

  // Not logged in: the login page; the token opens the dashboard.
  await page.goto(`${http.url}/`);
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.getByLabel("Token").fill(TOKEN);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${http.url}/`);
  await waitFor(async () => (await page.locator("#agents-table tbody tr").count()) === 4, "the example's four agents in the table", 20_000);
  await waitFor(async () => (await statusOf(page, "AlertManager").textContent()) === "running", "AlertManager running in the table", 15_000);
  expect((await page.locator("#connection").textContent())?.trim()).toBe("Live");
  // Marks this page: a reload would lose it.
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).notReloaded = true;
  });

  // Stop asks first; then the status changes in place.
  await page.getByRole("button", { name: "Stop AlertManager", exact: true }).click();
  await page.locator("#confirm").waitFor({ state: "visible" });
  await page.locator("#confirm button[value=confirm]").click();
  await waitFor(async () => (await statusOf(page, "AlertManager").textContent()) === "stopped", "AlertManager stopped in the table", 20_000);
  expect((await psOf(http.served, "AlertManager")).status).toBe("stopped");
  await page.getByRole("button", { name: "Start AlertManager", exact: true }).click();
  await waitFor(async () => (await statusOf(page, "AlertManager").textContent()) === "running", "AlertManager running again in the table", 20_000);
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).notReloaded)).toBe(true);

  // Its logs, followed: a restart from the socket writes a line the page gets as it comes.
  await page.getByRole("button", { name: "Logs of AlertManager" }).click();
  const log = page.locator("#log-text");
  const stopping = async () => ((await log.textContent()) ?? "").split("alert manager stopping").length - 1;
  await waitFor(async () => (await stopping()) >= 1, "the stop's line in the backlog", 20_000);
  const before = await stopping();
  expect((await http.served.call("restart", { agent: "AlertManager" }, 20_000)).status).toBe("success");
  await waitFor(async () => (await stopping()) === before + 1, "the restart's line, followed", 20_000);
  expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).notReloaded)).toBe(true);

  if (process.env.PYO_UPDATE_SCREENSHOT === "1") {
    await page.getByRole("link", { name: "Agents" }).click();
    // Two samples in: the sparklines draw a line, not a dot.
    const spark = page.locator('tr[data-agent="DataProcessor"] .col-memory_bytes path');
    await waitFor(async () => ((await spark.getAttribute("d")) ?? "").includes("L"), "two memory samples", 30_000);
    await page.screenshot({ path: SCREENSHOT });
  }
  expect(problems).toEqual([]);
}, 90_000);

test("500 agents: the table shows them all and live updates cause no long task", async () => {
  const agents = Array.from(
    { length: 500 },
    (_, i) => `[agents.agent-${String(i).padStart(3, "0")}]\ncommand = ["sleep", "86400"]\nstop_signal = "SIGKILL"\n\n`,
  ).join("");
  await using http = await serveHttp(agents);
  await using chrome = await browser();
  const { page } = chrome;
  await page.goto(`${http.url}/login`);
  await page.getByLabel("Token").fill(TOKEN);
  await page.getByRole("button", { name: "Log in" }).click();
  await waitFor(async () => (await page.locator("#agents-table tbody tr").count()) === 500, "500 rows", 30_000);
  await waitFor(async () => (await page.locator("#agent-counts").textContent())?.startsWith("500 · 500 running"), "all 500 running in the table", 30_000);
  await page.evaluate(() => {
    const page = globalThis as unknown as PageGlobals;
    const longest = { ms: 0, count: 0 };
    page.longest = longest;
    new page.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        longest.count++;
        longest.ms = Math.max(longest.ms, entry.duration);
      }
    }).observe({ type: "longtask" });
  });
  // Each stop is an agent event: a feed frame of all 500 rows to apply.
  for (let i = 0; i < 20; i++) expect((await http.served.call("stop", { agent: `agent-${String(i).padStart(3, "0")}` })).status).toBe("success");
  await waitFor(async () => (await page.locator("#agent-counts").textContent())?.startsWith("500 · 480 running"), "20 stops shown");
  await page.locator("#agent-filter").fill("agent-01");
  await waitFor(async () => (await page.locator("#agent-counts").textContent())?.endsWith("· 10 shown"), "the filter applied");
  const longest = await page.evaluate(() => (globalThis as unknown as PageGlobals).longest);
  console.log(`dashboard at 500 agents: ${longest.count} long task(s) during 20 live updates and a filter, longest ${longest.ms.toFixed(0)} ms`);
  expect(longest.ms).toBeLessThan(200);
}, 90_000);

test("read-only (no token): no login, no buttons that change anything; merged logs, the timeline and the graph", async () => {
  const { dir, orchestrator, agents } = example();
  await using http = await serveHttp(agents, { dir, orchestrator, token: false });
  await waitFor(async () => (await psOf(http.served, "AlertManager")).status === "running", "the example up", 20_000);
  await using chrome = await browser();
  const { page } = chrome;
  await page.goto(`${http.url}/`);
  await waitFor(async () => (await page.locator("#agents-table tbody tr").count()) === 4, "the example's four agents in the table", 20_000);
  expect(await page.locator("button[data-command]").count()).toBe(0);
  expect(await page.locator(".readonly").textContent()).toBe("Read-only (no token)");

  await page.getByRole("link", { name: "Logs" }).click();
  const log = page.locator("#log-text");
  await waitFor(
    async () => {
      const text = (await log.textContent()) ?? "";
      return text.includes("CacheWarmup out | cache ready") && text.includes("DataProcessor out | processor ready");
    },
    "two agents' lines in the merged view",
    20_000,
  );

  await page.getByRole("link", { name: "Events" }).click();
  await waitFor(async () => (await page.locator("#event-list li").count()) > 0, "events in the timeline", 20_000);
  expect(await page.locator("#event-list").textContent()).toContain("ORCHESTRATOR_STARTED");

  await page.getByRole("link", { name: "Dependencies" }).click();
  await waitFor(async () => (await page.locator("#graph-canvas .node").count()) === 4, "four nodes in the graph", 20_000);
  expect(await page.locator("#graph-canvas .edge").count()).toBe(3);
  expect(await page.locator("#graph-list").textContent()).toContain("AlertManager waits for DataProcessor to be ready");
}, 90_000);
