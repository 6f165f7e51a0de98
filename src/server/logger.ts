// serve's own log lines: consola on stderr (stdout stays free), human or one JSON object per line.

import type { FileSink } from "bun";
// consola/core, not consola: the full entry pulls node:tty and node:util in for its own reporters,
// which serve does not use (about 10 MB of serve's resident memory, bench/FOOTPRINT.md).
import { createConsola, type ConsolaInstance, type LogObject } from "consola/core";

export type LogFormat = "human" | "json";
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  success(message: string, fields?: LogFields): void;
}

let sink: FileSink | null = null;

/**
 * Bun's own writer on fd 2, not process.stderr: the first touch of process.stderr builds Node's
 * stream layer, some 6 MB of serve's resident memory. Like process.stderr it never blocks serve
 * (a full pipe queues), and a reader that went away loses the line, not serve.
 */
function writeErr(text: string): void {
  try {
    sink ??= Bun.stderr.writer();
    sink.write(text);
    // Out now: the writer would otherwise hold a line until more come or the loop goes idle.
    void Promise.resolve(sink.flush()).catch(() => {});
  } catch {
    // stderr closed: nowhere to say so
  }
}

/**
 * `{"time":…,"level":"info","message":"DataProcessor started (pid 9570)","event":"AGENT_STARTED","agent":"DataProcessor","pid":9570,"exit_code":null}`:
 * time, level and message first and never overwritten by a field of the same name.
 */
const jsonReporter = {
  log(entry: LogObject): void {
    const [message, fields] = entry.args as [string, LogFields | undefined];
    const line: LogFields = { time: entry.date.toISOString(), level: entry.type, message };
    for (const [key, value] of Object.entries(fields ?? {})) if (!(key in line)) line[key] = value;
    writeErr(`${JSON.stringify(line)}\n`);
  },
};

/** `2026-11-24T19:11:47.123Z info    WeatherAgent started (pid 4807)`: greppable, with the time a container log needs. */
const humanReporter = {
  log(entry: LogObject): void {
    const [message] = entry.args as [string];
    writeErr(`${entry.date.toISOString()} ${entry.type.padEnd(7)} ${message}\n`);
  },
};

export function createLogger(format: LogFormat): Logger {
  const consola: ConsolaInstance = createConsola({
    // Explicit: bun test sets NODE_ENV=test, which would otherwise silence consola below warn.
    level: 3,
    // A supervisor's repeated lines (an agent restarting) are facts, not noise to fold.
    throttle: 0,
    reporters: [format === "json" ? jsonReporter : humanReporter],
  });
  // The human line already says what matters; the fields are for machines (--log-format json).
  const emit =
    (type: "info" | "warn" | "error" | "success") =>
    (message: string, fields?: LogFields): void =>
      consola[type](message, fields);
  return { info: emit("info"), warn: emit("warn"), error: emit("error"), success: emit("success") };
}
