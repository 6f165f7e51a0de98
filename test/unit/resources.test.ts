// The sampler's short cache: a burst of requests reads /proc once, yet every `stats --watch`
// frame (0.5 s apart at the shortest) gets a reading of its own.

import { expect, test } from "bun:test";
import { ResourceSampler, SAMPLE_MAX_AGE_MS, sumUsage } from "../../src/orchestrator/resources.ts";
import { STATS_WATCH_INTERVAL } from "../../src/protocol/reports.ts";

test("a reading is shared until it is SAMPLE_MAX_AGE_MS old, then taken again", async () => {
  let now = 1_000_000;
  const sampler = new ResourceSampler(() => now);
  const first = (await sampler.sample([process.pid])).get(process.pid);
  expect(first?.memoryBytes).toBeGreaterThan(0);
  expect(first?.openFiles).toBeGreaterThan(0);

  now += SAMPLE_MAX_AGE_MS - 1;
  expect((await sampler.sample([process.pid])).get(process.pid)).toBe(first);

  now += 1;
  const second = (await sampler.sample([process.pid])).get(process.pid);
  expect(second).not.toBe(first);
  expect(second?.memoryBytes).toBeGreaterThan(0);
});

test("the cache is younger than the shortest watch interval", () => {
  expect(SAMPLE_MAX_AGE_MS).toBeLessThan(STATS_WATCH_INTERVAL.min * 1000);
});

test("a pid that does not exist counts as zero", async () => {
  const sampler = new ResourceSampler();
  // pid_max on Linux is at most 2^22, so this pid cannot be taken.
  const usage = (await sampler.sample([4_194_305])).get(4_194_305);
  expect(usage).toEqual({ cpuPercent: 0, memoryBytes: 0, openFiles: 0 });
});

test("sumUsage adds every field", () => {
  expect(
    sumUsage([
      { cpuPercent: 1.5, memoryBytes: 10, openFiles: 3 },
      { cpuPercent: 2, memoryBytes: 5, openFiles: 1 },
    ]),
  ).toEqual({ cpuPercent: 3.5, memoryBytes: 15, openFiles: 4 });
});
