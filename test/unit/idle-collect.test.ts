// serve's collection once quiet (server/idle-collect.ts): one collection after activity stops, none while it goes on.

import { expect, test } from "bun:test";
import { collectWhenQuiet } from "../../src/server/idle-collect.ts";

test("collects once, after the last activity has been quiet for the interval", async () => {
  let collections = 0;
  const collector = collectWhenQuiet(() => collections++, 40);
  for (let i = 0; i < 5; i++) {
    collector.note();
    await Bun.sleep(15);
  }
  // Busy for ~75 ms with a 40-ms interval: nothing collected while events keep coming.
  expect(collections).toBe(0);
  await Bun.sleep(150);
  expect(collections).toBe(1);
  await Bun.sleep(100);
  expect(collections).toBe(1);
  collector.note();
  await Bun.sleep(150);
  expect(collections).toBe(2);
  collector.dispose();
});

test("dispose cancels a pending collection", async () => {
  let collections = 0;
  const collector = collectWhenQuiet(() => collections++, 20);
  collector.note();
  collector.dispose();
  await Bun.sleep(60);
  expect(collections).toBe(0);
});
