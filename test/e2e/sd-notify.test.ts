// serve → systemd: a stand-in for systemd's notify socket (test/fixtures/notify-listener-fixture.ts,
// a datagram listener that records every message with its arrival time) hears READY, STATUS,
// RELOADING + MONOTONIC_USEC, STOPPING and WATCHDOG from the compiled binary. And the README's
// units pass `systemd-analyze verify` where systemd is installed.

import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HistoryEvent } from "../../src/protocol/events.ts";
import { agent, sh } from "../helpers/agents-toml.ts";
import { BINARY, FIXTURES, serve, tempDir } from "../helpers/serve.ts";
import { serveSlot } from "../helpers/slots.ts";
import { waitFor } from "../helpers/wait.ts";

interface Heard {
  /** Arrival, ms since the epoch. */
  at: number;
  /** CLOCK_MONOTONIC at arrival, µs. */
  monotonic: bigint;
  /** The datagram's assignments, in order. */
  lines: string[];
}

/** The listener as a subprocess; `heard()` is every datagram so far. */
async function notifyListener(address: string) {
  const proc = Bun.spawn([process.execPath, join(FIXTURES, "notify-listener-fixture.ts"), address], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const heard: Heard[] = [];
  let listening = false;
  const reading = (async () => {
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        const record = JSON.parse(pending.slice(0, end));
        pending = pending.slice(end + 1);
        if ("listening" in record) listening = true;
        else heard.push({ at: record.at, monotonic: BigInt(record.monotonic_usec), lines: record.message.trimEnd().split("\n") });
      }
    }
  })();
  await waitFor(() => listening || proc.exitCode !== null, `the notify listener on ${address}`);
  if (!listening) throw new Error(`the notify listener could not bind ${address}`);
  return {
    heard: () => [...heard],
    /** Waits until a datagram after the first `from` has `line`; resolves to its index. */
    next: (line: string, from = 0, what = line) =>
      waitFor(() => {
        const index = heard.findIndex((datagram, i) => i >= from && datagram.lines.includes(line));
        return index >= 0 ? index + 1 : null;
      }, what).then((oneBased) => oneBased - 1),
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
      await reading;
    },
  };
}

const has = (line: string) => (datagram: Heard) => datagram.lines.includes(line);
const statusOf = (datagram: Heard) => datagram.lines.find((line) => line.startsWith("STATUS="));

test.concurrent("READY once the agents have reached their start condition, STATUS on change, RELOADING/READY around reloads, STOPPING, WATCHDOG", async () => {
  using _slot = await serveSlot();
  const dir = tempDir();
  await using listener = await notifyListener(join(dir, "notify.sock"));
  await using served = await serve(
    agent("Slow", { command: sh("sleep 1; env > slow-env.txt; echo up; exec sleep 300") }) +
      `[agents.Slow.ready]\nlog = "up"\ninterval = 0.2\n\n` +
      agent("Once", { kind: "oneshot", command: sh("sleep 0.5") }) +
      agent("Broken", { command: sh("exit 3"), restart: "never" }) +
      agent("Tick", { kind: "periodic", command: ["true"], execution_interval: 3600 }) +
      agent("Manual", { command: ["sleep", "300"], autostart: false }),
    { dir, env: { NOTIFY_SOCKET: join(dir, "notify.sock"), WATCHDOG_USEC: "400000" } },
  );

  // READY: only once every autostart agent got where it gets on its own.
  const ready = await listener.next("READY=1");
  const readyAt = (listener.heard()[ready] as Heard).at;
  const { events } = await served.data("history", { last: 200 });
  const when = (type: HistoryEvent["type"], name: string) => {
    const found = events.find((event) => event.type === type && event.agent === name);
    if (!found) throw new Error(`no ${type} for ${name}`);
    return Date.parse(found.timestamp);
  };
  for (const reached of [when("AGENT_READY", "Slow"), when("AGENT_COMPLETED", "Once"), when("AGENT_FAILED", "Broken")]) {
    expect(reached).toBeLessThanOrEqual(readyAt);
  }

  // STATUS: the counts, on change, at most once a second.
  await listener.next("STATUS=1 running, 1 waiting, 1 failed");
  const statuses = listener.heard().filter(statusOf);
  expect(statuses.length).toBeGreaterThanOrEqual(2);
  for (const datagram of statuses) expect(statusOf(datagram)).toMatch(/^STATUS=\d+ running, \d+ waiting, \d+ failed$/);
  for (let i = 1; i < statuses.length; i++) {
    expect((statuses[i] as Heard).at - (statuses[i - 1] as Heard).at).toBeGreaterThanOrEqual(900);
  }

  // The reload command, then SIGHUP: RELOADING=1 with the monotonic clock, then READY=1.
  for (const ask of [() => served.data("reload"), async () => served.proc.kill("SIGHUP")]) {
    const from = listener.heard().length;
    await ask();
    const reloading = await listener.next("RELOADING=1", from);
    await listener.next("READY=1", reloading + 1, "READY=1 after RELOADING=1");
    const datagram = listener.heard()[reloading] as Heard;
    const stamp = datagram.lines.find((line) => line.startsWith("MONOTONIC_USEC="));
    expect(stamp).toMatch(/^MONOTONIC_USEC=\d+$/);
    const sent = BigInt((stamp as string).slice("MONOTONIC_USEC=".length));
    // CLOCK_MONOTONIC: a moment before the listener's own reading at arrival.
    expect(sent).toBeLessThanOrEqual(datagram.monotonic);
    expect(datagram.monotonic - sent).toBeLessThan(5_000_000n);
  }

  expect(await served.stop()).toBe(0);
  const stopping = await listener.next("STOPPING=1");
  const all = listener.heard();
  expect(all.slice(stopping).some(has("READY=1"))).toBe(false);
  // RELOADING is always followed by a READY before the next RELOADING or STOPPING.
  const sequence = all.flatMap((datagram) => datagram.lines.filter((line) => /^(READY|RELOADING|STOPPING)=/.test(line)));
  expect(sequence).toEqual(["READY=1", "RELOADING=1", "READY=1", "RELOADING=1", "READY=1", "STOPPING=1"]);

  // WATCHDOG every WATCHDOG_USEC/2 = 200 ms, give or take a loaded machine.
  const pings = all.filter(has("WATCHDOG=1"));
  expect(pings.length).toBeGreaterThanOrEqual(5);
  const span = (pings.at(-1) as Heard).at - (pings[0] as Heard).at;
  expect(pings.length - 1).toBeGreaterThanOrEqual(Math.floor(span / 400));
  expect(pings.length - 1).toBeLessThanOrEqual(Math.ceil(span / 100) + 1);

  // Agents do not inherit serve's line to systemd.
  const slowEnv = readFileSync(join(dir, "slow-env.txt"), "utf8");
  expect(slowEnv).not.toMatch(/^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=/m);
}, 60_000);

test.concurrent("an abstract NOTIFY_SOCKET (@name) works; a watchdog meant for another pid (WATCHDOG_PID) is not serve's to ping", async () => {
  using _slot = await serveSlot();
  const address = `@pyo-notify-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await using listener = await notifyListener(address);
  await using served = await serve(agent("Sleeper", { command: ["sleep", "300"] }), {
    env: { NOTIFY_SOCKET: address, WATCHDOG_USEC: "100000", WATCHDOG_PID: "1" },
  });
  await listener.next("READY=1");
  await listener.next("STATUS=1 running, 0 waiting, 0 failed");
  // Absence needs a window: at 100 ms a ping would have come five times over by now.
  await Bun.sleep(500);
  expect(await served.stop()).toBe(0);
  await listener.next("STOPPING=1");
  expect(listener.heard().filter(has("WATCHDOG=1"))).toEqual([]);
}, 30_000);

const systemdAnalyze = Bun.which("systemd-analyze");

test.skipIf(systemdAnalyze === null)("the README's systemd units pass systemd-analyze verify", async () => {
  const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
  const units = [...readme.matchAll(/```ini\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .filter((text) => text.includes("[Service]") && text.includes("pyorchestrate serve"));
  const types = units.map((unit) => /^Type=(.*)$/m.exec(unit)?.[1]);
  expect(types).toEqual(expect.arrayContaining(["notify-reload", "notify"]));
  for (const unit of units) expect(unit).toMatch(/^WatchdogSec=\d+/m);

  const version = Number(/systemd (\d+)/.exec((await run([systemdAnalyze as string, "--version"])).stdout)?.[1] ?? 0);
  const dir = mkdtempSync("/tmp/pyo-unit-");
  try {
    for (const [index, unit] of units.entries()) {
      const path = join(dir, `pyorchestrate-${index}.service`);
      // verify checks that ExecStart's program exists: point it at the binary under test.
      writeFileSync(path, unit.replaceAll("/usr/local/bin/pyorchestrate", BINARY));
      const result = await run([systemdAnalyze as string, "verify", path]);
      const complaints = `${result.stdout}${result.stderr}`
        .split("\n")
        .filter((line) => line.includes(path))
        // systemd before 253 does not know notify-reload yet: the one complaint it may make.
        .filter((line) => !(version < 253 && line.endsWith("Failed to parse service type, ignoring: notify-reload")));
      expect({ unit: index, code: result.code, complaints }).toEqual({ unit: index, code: 0, complaints: [] });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
