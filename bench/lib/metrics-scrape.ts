// pyorchestrate alone: what a Prometheus scrape of /metrics costs serve at N agents (issue 13's
// bound: under 20 ms). serve's CPU time across many scrapes (its own work, whatever else the
// machine runs) and the round trip a scraper sees; test/e2e/http-metrics.test.ts checks the
// format with promtool, and this measures it, so no test asserts a time.

import { cpuNanos, percentile, waitFor } from "./measure.ts";
import { activeRuns } from "./scenario.ts";
import { PyorchestrateRun } from "./tool-pyorchestrate.ts";

export interface ScrapeCost {
  agents: number;
  bytes: number;
  scrapes: number;
  /** serve's CPU time per scrape, ms. */
  cpuMsPerScrape: number;
  p50Ms: number;
  p95Ms: number;
}

/** A loopback port nothing listens on right now. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

export async function measureScrape(marker: string, agents: number, scrapes: number, log: (line: string) => void): Promise<ScrapeCost> {
  const url = `http://127.0.0.1:${freePort()}/metrics`;
  // Loopback without a token: the read-only listener, which answers /metrics.
  const run = new PyorchestrateRun(agents, marker, {}, `[http]\nlisten = "${new URL(url).host}"\n`);
  activeRuns.add(run);
  try {
    await run.launch();
    await waitFor(`${agents} agents running`, () => run.allRunning().catch(() => false), 120_000, 20);
    const pattern = /^pyorchestrate_agent_resident_memory_bytes\{/gm;
    // The sampler's first look at every agent, so that a scrape carries all its series.
    const first = await waitFor(
      "a sample of every agent in /metrics",
      async () => {
        const body = await fetch(url)
          .then((response) => response.text())
          .catch(() => "");
        return (body.match(pattern)?.length ?? 0) === agents && body;
      },
      60_000,
      200,
    );
    for (let i = 0; i < 20; i++) await (await fetch(url)).text(); // warm-up
    const pid = run.supervisorPids()[0] as number;
    const cpuBefore = cpuNanos(pid);
    const latencies: number[] = [];
    for (let i = 0; i < scrapes; i++) {
      const from = performance.now();
      await (await fetch(url)).text();
      latencies.push(performance.now() - from);
    }
    const cost: ScrapeCost = {
      agents,
      bytes: first.length,
      scrapes,
      cpuMsPerScrape: (cpuNanos(pid) - cpuBefore) / 1e6 / scrapes,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
    };
    log(
      `  /metrics at N=${agents} (${(cost.bytes / 1024).toFixed(0)} KiB): ${cost.cpuMsPerScrape.toFixed(2)} ms of serve's CPU per scrape, p50 ${cost.p50Ms.toFixed(2)} ms`,
    );
    return cost;
  } finally {
    await run.stopAll().catch(() => {});
    await run.teardown();
    activeRuns.delete(run);
  }
}
