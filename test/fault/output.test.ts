// Agent output under load, through the compiled binary: 100 MB of binary bursts and endless lines
// reach the log files byte for byte while serve's memory stays flat, and size rotation keeps
// every line exactly once, in order.

import { expect } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { agent, inStatus, sh } from "../helpers/agents-toml.ts";
import { digestStreams, logFiles, readAllRecords, reconstruct } from "../helpers/log-records.ts";
import { serve } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";

const MB = 1_000_000;

const digest = (bytes: Uint8Array) => ({ length: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });

/** Resident memory of a process, in bytes (VmRSS from /proc). */
function rss(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples `pid`'s RSS every few ms until `done` settles; resolves to the peak seen. */
async function peakRss<T>(pid: number, done: Promise<T>): Promise<{ peak: number; value: T }> {
  let peak = rss(pid);
  let settled = false;
  const value = done.finally(() => (settled = true));
  while (!settled) {
    peak = Math.max(peak, rss(pid));
    await Promise.race([value.catch(() => {}), Bun.sleep(10)]);
  }
  return { peak, value: await value };
}

// The agent first writes what it will send into files (10 × 8 MB of random bytes — newlines, NULs,
// invalid UTF-8 — each followed by a 2 MB line with no newline at all; 1 MB for stderr), then
// sends them as fast as the pipes take it: ten 10 MB bursts of 1 MB writes on stdout, with
// pauses, while stderr goes out alongside.
const BURSTS = sh(`
  for i in 1 2 3 4 5 6 7 8 9 10; do
    head -c 8000000 /dev/urandom
    head -c 2000000 /dev/urandom | tr '\\n' x
  done > sent-out.bin
  head -c 1000000 /dev/urandom > sent-err.bin
  cat sent-err.bin >&2 &
  for i in 0 1 2 3 4 5 6 7 8 9; do
    dd if=sent-out.bin bs=1000000 skip=$((i * 10)) count=10 status=none
    sleep 0.05
  done
  wait
`);

concurrent(
  "100 MB of binary bursts and 2 MB lines: every byte reaches the logs while serve's RSS stays bounded",
  async () => {
    await using served = await serve(agent("Burst", { command: BURSTS, kind: "oneshot", autostart: false, log_max_size: "8MB", log_keep: 100 }));
    const pid = served.proc.pid;
    const idle = rss(pid);
    const started = performance.now();
    await served.data("start", { agent: "Burst" });
    const { peak } = await peakRss(pid, inStatus(served, "Burst", "completed", 30_000));
    const seconds = (performance.now() - started) / 1000;
    // A graceful stop closes every log once all it was handed is on disk.
    expect(await served.stop()).toBe(0);

    const sentOut = readFileSync(join(served.dir, "sent-out.bin"));
    expect(sentOut.length).toBe(100 * MB);
    const files = logFiles(join(served.dir, ".pyorchestrate", "logs", "Burst.log"));
    const logged = digestStreams(files);
    // Byte for byte, compared by length and digest (a diff of 100 MB would be unreadable anyway).
    expect(logged.stdout).toEqual(digest(sentOut));
    expect(logged.stderr).toEqual(digest(readFileSync(join(served.dir, "sent-err.bin"))));
    // The 2 MB lines came as 64 KiB pieces marked '+', and rotation cut the log into ~8 MB files.
    expect(logged.continued).toBeGreaterThanOrEqual(10 * 30);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files.slice(0, -1)) expect(statSync(file).size).toBeLessThan(8 * MB + 70_000);

    const onDisk = files.reduce((sum, file) => sum + statSync(file).size, 0);
    console.error(
      `output burst: ${(onDisk / MB).toFixed(1)} MB logged in ${seconds.toFixed(2)} s ` +
        `(${(sentOut.length / MB / seconds).toFixed(0)} MB/s of agent output); serve RSS idle ${(idle / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB`,
    );
    // The pipes are read only as fast as the disk takes the records. What serve holds at its peak is
    // a bounded queue plus read chunks not yet garbage-collected (~40–55 MB measured, about the same
    // for 1 GB of output); holding the 100 MB it was handed could not stay under this.
    expect(peak - idle).toBeLessThan(80 * MB);
  },
  35_000,
);

concurrent("rotation by size: across Numbered.log and Numbered.log.N every line appears exactly once, in order", async () => {
  const count = 20_000;
  await using served = await serve(
    agent("Numbered", {
      command: sh(`i=1; while [ $i -le ${count} ]; do echo "line $i"; [ $((i % 1000)) -eq 0 ] && sleep 0.01; i=$((i + 1)); done`),
      kind: "oneshot",
      // The agent's own value wins over the [orchestrator] default.
      log_max_size: 8_000,
      log_keep: 1000,
    }),
    { orchestrator: 'log_max_size = "1MB"\nlog_keep = 2' },
  );
  await inStatus(served, "Numbered", "completed", 15_000);
  expect(await served.stop()).toBe(0);

  const path = join(served.dir, ".pyorchestrate", "logs", "Numbered.log");
  const files = logFiles(path);
  expect(files.length).toBeGreaterThan(40);
  for (const file of files.slice(0, -1)) expect(statSync(file).size).toBeGreaterThanOrEqual(8_000);
  const lines = reconstruct(readAllRecords(path), "stdout").toString().split("\n");
  expect(lines.pop()).toBe("");
  expect(lines).toEqual(Array.from({ length: count }, (_, i) => `line ${i + 1}`));
});
