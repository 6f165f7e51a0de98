// serve's own log lines: consola on stderr (stdout stays free), human or one JSON object per line.

import { createConsola, type ConsolaInstance, type LogObject } from "consola";

export type LogFormat = "human" | "json";
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  success(message: string, fields?: LogFields): void;
}

const jsonReporter = {
  log(entry: LogObject): void {
    const [message, fields] = entry.args as [string, LogFields | undefined];
    const line = { time: entry.date.toISOString(), level: entry.type, message, ...fields };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  },
};

export function createLogger(format: LogFormat): Logger {
  const consola: ConsolaInstance = createConsola({
    // Explicit: bun test sets NODE_ENV=test, which would otherwise silence consola below warn.
    level: 3,
    stdout: process.stderr,
    stderr: process.stderr,
    // A supervisor's repeated lines (an agent restarting) are facts, not noise to fold.
    throttle: 0,
    ...(format === "json" ? { reporters: [jsonReporter] } : { fancy: false }),
  });
  const emit =
    (type: "info" | "warn" | "error" | "success") =>
    (message: string, fields?: LogFields): void => {
      if (format === "json") consola[type](message, fields);
      else consola[type](fields ? `${message} ${formatFields(fields)}` : message);
    };
  return { info: emit("info"), warn: emit("warn"), error: emit("error"), success: emit("success") };
}

function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}
