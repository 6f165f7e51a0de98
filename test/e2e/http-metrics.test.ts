// GET /metrics (compiled binary): Prometheus' own checker accepts it, and the families the README
// lists are there with the right values. What a scrape costs serve at 500 agents is measured by
// the bench (bench/lib/metrics-scrape.ts), not asserted here.

import { expect } from "bun:test";
import { agent, psAll, sh } from "../helpers/agents-toml.ts";
import { serveHttp } from "../helpers/http.ts";
import { concurrent } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

const PROMTOOL = Bun.which("promtool");
if (!PROMTOOL) throw new Error("promtool is missing: apt-get install prometheus (.ci/run installs it)");

/** `promtool check metrics` of `text`: its exit code and what it said (problems, lint included). */
async function promtool(text: string): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn([PROMTOOL as string, "check", "metrics"], { stdin: new Blob([text]), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: `${stdout}${stderr}`.trim() };
}

/** The samples of one metric family: "labels" → value. */
function samples(text: string, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) found[match[2] ?? ""] = Number(match[3]);
  }
  return found;
}

concurrent("promtool accepts /metrics, and it holds every agent's state, health, runs and serve's process_*", async () => {
  const agents = [
    agent("Looper", { command: sh("trap 'exit 0' TERM; echo ready; while true; do sleep 1 & wait $!; done") }),
    `[agents.Looper.ready]\nlog = "ready"\ninterval = 0.2\n\n`,
    agent("Tick", { command: sh("echo tick"), execution_interval: 30 }),
    agent("Broken", { command: sh("exit 3"), kind: "oneshot" }),
    agent('"Odd.name-1"', { command: sh("sleep 600"), autostart: false }),
  ].join("");
  await using http = await serveHttp(agents);
  await waitFor(async () => {
    const ps = await psAll(http.served);
    return ps.Looper?.status === "running" && ps.Tick?.status === "waiting" && ps.Broken?.status === "failed";
  }, "Looper ready, Tick's first run done, Broken failed");
  expect((await http.api("ps", {}, { token: "wrong-token-wrong-token" })).status).toBe(401);
  await http.api("status", { agent: "Nope" });
  // Past the sampler's second look (1 s in), so that CPU and memory are there.
  const text = await waitFor(async () => {
    const body = await (await http.fetch("/metrics")).text();
    return body.includes('pyorchestrate_agent_resident_memory_bytes{agent="Looper"}') && body;
  }, "a sample of Looper's memory");

  expect(await promtool(text)).toEqual({ code: 0, output: "" });
  expect(samples(text, "pyorchestrate_agent_up")).toEqual({ '{agent="Looper"}': 1, '{agent="Tick"}': 0, '{agent="Broken"}': 0, '{agent="Odd.name-1"}': 0 });
  expect(samples(text, "pyorchestrate_agent_state")['{agent="Broken",state="failed"}']).toBe(1);
  expect(Object.values(samples(text, "pyorchestrate_agent_state")).reduce((a, b) => a + b)).toBe(4);
  expect(samples(text, "pyorchestrate_agent_ready")['{agent="Looper"}']).toBe(1);
  expect(samples(text, "pyorchestrate_agent_health_check_healthy")).toEqual({ '{agent="Looper",check="ready"}': 1 });
  expect(samples(text, "pyorchestrate_agent_last_exit_code")).toMatchObject({ '{agent="Broken"}': 3, '{agent="Tick"}': 0 });
  expect(samples(text, "pyorchestrate_agent_run_duration_seconds_count")).toEqual({ '{agent="Tick"}': 1 });
  expect(samples(text, "pyorchestrate_agent_last_success_timestamp_seconds")['{agent="Tick"}']).toBeGreaterThan(Date.now() / 1000 - 60);
  expect(samples(text, "pyorchestrate_agents")).toMatchObject({ '{state="running"}': 1, '{state="failed"}': 1, '{state="stopped"}': 1 });
  expect(samples(text, "pyorchestrate_commands_total")['{command="status",outcome="AGENT_NOT_FOUND"}']).toBe(1);
  expect(samples(text, "pyorchestrate_events_total")['{type="AGENT_FAILED"}']).toBe(1);
  expect(samples(text, "pyorchestrate_agent_cpu_seconds_total")['{agent="Looper"}']).toBeGreaterThanOrEqual(0);
  const serveRss = samples(text, "process_resident_memory_bytes")[""] ?? 0;
  expect(serveRss).toBeGreaterThan(10_000_000);
  expect(samples(text, "process_open_fds")[""]).toBeGreaterThan(0);
  expect(samples(text, "process_start_time_seconds")[""]).toBeGreaterThan(Date.now() / 1000 - 120);
});
