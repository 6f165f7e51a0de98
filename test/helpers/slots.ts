// At most a few serves at once on a 2-core machine, whatever bun's concurrency: process-heavy
// tests take a slot, and each gets its own time budget once it holds one.

import { test } from "bun:test";

function semaphore(slots: number): () => Promise<Disposable> {
  const queue: Array<() => void> = [];
  return async () => {
    if (slots > 0) slots--;
    else await new Promise<void>((resolve) => queue.push(resolve));
    return {
      [Symbol.dispose]() {
        const next = queue.shift();
        if (next) next();
        else slots++;
      },
    };
  };
}

/** One slot per serve a test runs (a test that runs two takes two). */
export const serveSlot = semaphore(3);

async function withinBudget(name: string, body: () => Promise<void>, ms: number): Promise<void> {
  let timer: Timer | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`'${name}' took more than ${ms} ms`)), ms);
  });
  try {
    await Promise.race([body(), overrun]);
  } finally {
    clearTimeout(timer);
  }
}

/** test.concurrent holding one serve slot; `budgetMs` counts from when it holds the slot. */
export function concurrent(name: string, body: () => Promise<void>, budgetMs = 20_000): void {
  test.concurrent(name, async () => {
    using _slot = await serveSlot();
    await withinBudget(name, body, budgetMs);
  }, 90_000);
}
