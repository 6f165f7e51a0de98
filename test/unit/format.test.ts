import { expect, test } from "bun:test";
import { formatBytes, formatPercent, formatUptime } from "../../src/protocol/format.ts";
import { wireTimestamp } from "../../src/protocol/envelope.ts";

test("uptime is HH:MM:SS, with days in front", () => {
  expect([0, 59, 932, 8132, 86_400 + 3 * 3600 + 4 * 60 + 5].map(formatUptime)).toEqual(["00:00:00", "00:00:59", "00:15:32", "02:15:32", "1d 03:04:05"]);
});

test("bytes and percentages as the reference shows them", () => {
  expect([0, 999, 45_200_000, 256_800_000, 1_500_000_000].map(formatBytes)).toEqual(["0 B", "999 B", "45.2 MB", "256.8 MB", "1.5 GB"]);
  expect([0, 2.3, 15.24, 100].map(formatPercent)).toEqual(["0.0%", "2.3%", "15.2%", "100.0%"]);
});

test("wire timestamps are UTC to the second with a Z", () => {
  expect(wireTimestamp(Date.UTC(2025, 6, 27, 10, 45, 0, 987))).toBe("2025-07-27T10:45:00Z");
});
