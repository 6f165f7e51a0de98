// Schedules against the compiled binary: a cron schedule fires on the minute (with serve's clock
// set just before one by PYORCHESTRATE_FAKE_NOW, so no test waits minutes), jitter makes runs
// late by a random part of its seconds, overlap decides what a run due during another does,
// and a due run waits for a worker slot.

import { expect, test } from "bun:test";
import type { EventType } from "../../src/protocol/events.ts";
import { agent, psOf, running, until } from "../helpers/agents-toml.ts";
import { isAlive } from "../helpers/processes.ts";
import { serve, type Served } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

async function times(served: Served, name: string, type: EventType): Promise<number[]> {
  const { events } = await served.data("history", { agent: name, type });
  return events.map((event) => Date.parse(event.timestamp));
}

const MINUTE = 60_000;

test.concurrent("a cron schedule fires at the minute boundary of serve's clock, and ps shows the next one", async () => {
  using _slot = await serveSlot();
  const realStart = Date.now();
  // Serve's clock starts 3 s before a minute boundary.
  const fakeStart = Math.floor(realStart / MINUTE) * MINUTE + 57_000;
  const offset = fakeStart - realStart;
  await using served = await serve(
    agent("EveryMinute", { command: ["true"], schedule: "* * * * *" }) + agent("EveryFive", { command: ["true"], schedule: "*/5 * * * *" }),
    { env: { PYORCHESTRATE_FAKE_NOW: new Date(fakeStart).toISOString() } },
  );
  const boundary = fakeStart + 3_000;
  // Before the minute: waiting, with the run announced for the boundary (in real time).
  const waiting = await psOf(served, "EveryMinute");
  expect(waiting).toMatchObject({ status: "waiting", waiting_reason: "next_run", pid: null });
  expect(Math.abs(Date.parse(waiting.next_run as string) + offset - boundary)).toBeLessThan(1_500);
  const five = await psOf(served, "EveryFive");
  const nextFive = Math.ceil((fakeStart + 1) / (5 * MINUTE)) * 5 * MINUTE;
  expect(Math.abs(Date.parse(five.next_run as string) + offset - nextFive)).toBeLessThan(1_500);

  const [fired] = await waitFor(
    async () => {
      const started = await times(served, "EveryMinute", "EXECUTION_STARTED");
      return started.length > 0 && started;
    },
    "the first cron run",
    8_000,
  );
  // Not before the boundary (serve's clock is a little behind the test's, by its start-up). That
  // runs fall exactly on the minute is asserted on a fake clock (lifecycle-periodic.test.ts).
  expect((fired as number) + offset).toBeGreaterThanOrEqual(boundary - 100);
  const after = await psOf(served, "EveryMinute");
  expect(Math.abs(Date.parse(after.next_run as string) + offset - (boundary + MINUTE))).toBeLessThan(1_500);
}, 30_000);

test.concurrent("jitter: each run starts up to `jitter` seconds after it is due, by a random amount", async () => {
  using _slot = await serveSlot();
  await using served = await serve(agent("Jittery", { command: ["true"], execution_interval: 0.5, delay_compensation: true, jitter: 0.4, limit: 6 }));
  const starts = await waitFor(
    async () => {
      const found = await times(served, "Jittery", "EXECUTION_STARTED");
      return found.length === 6 && found;
    },
    "six runs",
    15_000,
  );
  // Ticks come every 0.5 s from the schedule's start; each run is 0-0.4 s after its tick, so two
  // runs are never closer than 0.1 s (less 0.15 s for a timer that fires late on a loaded machine).
  const gaps = starts.slice(1).map((at, i) => at - (starts[i] as number));
  for (const gap of gaps) expect(gap).toBeGreaterThan(500 - 400 - 150);
  // Without jitter every gap would be 0.5 s.
  expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(40);
}, 30_000);

test.concurrent('overlap = "skip" drops a run due while one is going; "queue" runs it right after', async () => {
  using _slot = await serveSlot();
  await using served = await serve(
    agent("Skipper", { command: ["sleep", "0.7"], execution_interval: 0.3, delay_compensation: true, limit: 2 }) +
      agent("Queuer", { command: ["sleep", "0.7"], execution_interval: 0.3, delay_compensation: true, limit: 3, overlap: "queue" }),
  );
  await until(served, "Queuer", (row) => row.status === "completed", "to finish its runs", 15_000);
  await until(served, "Skipper", (row) => row.status === "completed", "to finish its runs", 15_000);
  expect((await times(served, "Skipper", "EXECUTION_SKIPPED")).length).toBeGreaterThan(0);
  expect(await times(served, "Skipper", "EXECUTION_QUEUED")).toEqual([]);

  expect((await times(served, "Queuer", "EXECUTION_QUEUED")).length).toBeGreaterThan(0);
  const started = await times(served, "Queuer", "EXECUTION_STARTED");
  const ended = await times(served, "Queuer", "EXECUTION_COMPLETED");
  expect(started.length).toBe(3);
  // Each queued run starts as the previous one ends, never while it is going.
  for (let i = 1; i < started.length; i++) {
    expect(started[i] as number).toBeGreaterThanOrEqual(ended[i - 1] as number);
    expect((started[i] as number) - (ended[i - 1] as number)).toBeLessThan(300);
  }
}, 30_000);

test.concurrent('overlap = "kill" ends the run still going and starts the one that is due', async () => {
  using _slot = await serveSlot();
  await using served = await serve(
    agent("Killer", { command: ["sleep", "300"], execution_interval: 1, delay_compensation: true, overlap: "kill", stop_timeout: 1 }),
  );
  const first = await running(served, "Killer");
  const second = await until(served, "Killer", (row) => row.status === "running" && row.pid !== first.pid, "the next run", 10_000);
  expect(isAlive(first.pid as number)).toBe(false);
  const { events } = await served.data("history", { agent: "Killer", type: "EXECUTION_QUEUED" });
  expect(events[0]?.details).toMatchObject({ overlap: "kill", running_pid: first.pid });
  const { events: failed } = await served.data("history", { agent: "Killer", type: "EXECUTION_FAILED" });
  expect(failed[0]?.details).toMatchObject({ pid: first.pid, signal: "SIGTERM" });
  expect(second.pid).not.toBe(first.pid);
}, 30_000);

test.concurrent("a due run waits for a worker slot, and says so", async () => {
  using _slot = await serveSlot();
  await using served = await serve(agent("Hog", { command: ["sleep", "300"] }) + agent("Report", { command: ["true"], execution_interval: 1 }), {
    orchestrator: "max_workers = 1",
  });
  await running(served, "Hog");
  expect(await psOf(served, "Report")).toMatchObject({ status: "waiting", waiting_reason: "queued", pid: null });
  await served.data("stop", { agent: "Hog" });
  await waitFor(async () => (await times(served, "Report", "EXECUTION_COMPLETED")).length > 0, "the run once the slot is free");
}, 30_000);
