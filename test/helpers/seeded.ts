// Reproducible randomness and byte building for the fault tests: a failing run is replayed
// from the seed it printed. The generator is the bench's (one implementation for both).

export { mulberry32 } from "../../bench/lib/random.ts";

/** The parts one after another, in one buffer. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const all = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}
