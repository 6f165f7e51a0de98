// How a client stream (logs -f, history -f, stats --watch) ends: Ctrl+C, SIGTERM, SIGHUP, or a
// reader that went away (`| head`) is the way it is meant to end, so exit 0. The stream's
// socket is parked waiting for its next frame and cannot be cancelled from here, so these are
// the places a command ends the process itself, once stdout has taken what was written.

import { EXIT } from "./errors.ts";

export function exitNow(code: number): void {
  process.stdout.write("", () => process.exit(code));
  // A broken stdout may never call back.
  setTimeout(() => process.exit(code), 200).unref();
}

/** Until the returned release is called, those signals (after `cleanup`) and a closed stdout exit 0. */
export function endStreamOnInterrupt(cleanup: () => void = () => {}): () => void {
  const quit = () => {
    cleanup();
    exitNow(EXIT.ok);
  };
  const onOutputError = () => process.exit(EXIT.ok);
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of signals) process.on(signal, quit);
  process.stdout.on("error", onOutputError);
  return () => {
    for (const signal of signals) process.off(signal, quit);
    process.stdout.off("error", onOutputError);
  };
}
