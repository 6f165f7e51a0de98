// Reading an agent's log files back as records, and rebuilding the bytes each stream carried.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";

export interface LogRecord {
  time: string;
  stream: "stdout" | "stderr";
  /** True for `stdout+` / `stderr+`: the line goes on in the stream's next record. */
  continues: boolean;
  payload: Buffer;
}

const HEADER = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (stdout|stderr)(\+?) $/;

/** Every record of a log; throws on anything that is not a well-formed record. */
export function parseRecords(bytes: Uint8Array): LogRecord[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: LogRecord[] = [];
  let start = 0;
  while (start < data.length) {
    const end = data.indexOf(0x0a, start);
    if (end === -1) throw new Error(`log ends inside a record at byte ${start}`);
    // The header is ASCII: time, space, stream (with its optional '+'), space.
    const firstSpace = data.indexOf(0x20, start);
    const secondSpace = firstSpace === -1 ? -1 : data.indexOf(0x20, firstSpace + 1);
    const header = secondSpace === -1 || secondSpace > end ? "" : data.toString("latin1", start, secondSpace + 1);
    const match = HEADER.exec(header);
    if (!match) throw new Error(`malformed record at byte ${start}: ${JSON.stringify(data.toString("latin1", start, Math.min(end, start + 60)))}`);
    records.push({
      time: match[1] as string,
      stream: match[2] as LogRecord["stream"],
      continues: match[3] === "+",
      payload: data.subarray(secondSpace + 1, end),
    });
    start = end + 1;
  }
  return records;
}

/** The bytes one stream carried: payloads joined, "\n" after each record that ends a line. */
export function reconstruct(records: readonly LogRecord[], stream: LogRecord["stream"]): Buffer {
  const parts: Buffer[] = [];
  const newline = Buffer.from("\n");
  for (const record of records) {
    if (record.stream !== stream) continue;
    parts.push(record.payload);
    if (!record.continues) parts.push(newline);
  }
  return Buffer.concat(parts);
}

/** The rotated files that exist (oldest first: <path>.N … <path>.1), then <path> itself. */
export function logFiles(path: string): string[] {
  const rotated: string[] = [];
  for (let k = 1; existsSync(`${path}.${k}`); k++) rotated.unshift(`${path}.${k}`);
  return existsSync(path) ? [...rotated, path] : rotated;
}

/** Records of the log and its rotated files, oldest first. */
export function readAllRecords(path: string): LogRecord[] {
  return logFiles(path).flatMap((file) => parseRecords(readFileSync(file)));
}

export interface StreamDigest {
  length: number;
  sha256: string;
}

/**
 * What each stream carried across `files` (oldest first) as length and sha256, reading one file
 * at a time so a log of hundreds of MB is never held whole; also counts the `+` records.
 */
export function digestStreams(files: readonly string[]): { stdout: StreamDigest; stderr: StreamDigest; continued: number } {
  const hashes = { stdout: createHash("sha256"), stderr: createHash("sha256") };
  const lengths = { stdout: 0, stderr: 0 };
  let continued = 0;
  for (const file of files) {
    for (const record of parseRecords(readFileSync(file))) {
      hashes[record.stream].update(record.payload);
      lengths[record.stream] += record.payload.length;
      if (record.continues) continued++;
      else {
        hashes[record.stream].update("\n");
        lengths[record.stream]++;
      }
    }
  }
  const digest = (stream: "stdout" | "stderr") => ({ length: lengths[stream], sha256: hashes[stream].digest("hex") });
  return { stdout: digest("stdout"), stderr: digest("stderr"), continued };
}
