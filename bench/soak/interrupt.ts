// Ctrl+C during a soak: every wait of the run ends at once, and the run unwinds to its cleanup.

export class Interrupted extends Error {}

let interrupted = false;
const interruption = Promise.withResolvers<void>();

export function isInterrupted(): boolean {
  return interrupted;
}

/** Ends every pause (they throw Interrupted). */
export function interrupt(): void {
  interrupted = true;
  interruption.resolve();
}

/** Sleeps, unless Ctrl+C came: then throws Interrupted. */
export async function pause(ms: number): Promise<void> {
  await Promise.race([Bun.sleep(ms), interruption.promise]);
  if (interrupted) throw new Interrupted();
}
