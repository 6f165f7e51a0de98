// An agent's log file: stdout and stderr appended line by line, each line stamped with time and stream.

import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

export type OutputStream = "stdout" | "stderr";

/** A line longer than this is written in pieces so one endless line cannot grow memory. */
const MAX_PENDING_CHARS = 64 * 1024;

export class OutputLog {
  private readonly file: WriteStream;

  constructor(
    readonly path: string,
    private readonly onActivity: () => void,
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.file = createWriteStream(path, { flags: "a", mode: 0o600 });
    // A full disk must not take the orchestrator down; the agent keeps running.
    this.file.on("error", () => {});
  }

  /**
   * Reads a pipe to its end; `finished` resolves once every byte, a partial last line included,
   * is queued for the file. `stop()` gives up on a pipe that a stray descendant keeps open.
   */
  drain(stream: ReadableStream<Uint8Array>, name: OutputStream): { finished: Promise<void>; stop(): void } {
    const reader = stream.getReader();
    const finished = (async () => {
      const decoder = new TextDecoder();
      let pending = "";
      try {
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          pending += decoder.decode(read.value, { stream: true });
          pending = this.writeLines(pending, name);
          this.onActivity();
        }
      } catch {
        // cancelled by stop(), or the pipe broke: keep what was read
      }
      pending += decoder.decode();
      if (pending.length > 0) this.writeLine(pending, name);
    })();
    return { finished, stop: () => void reader.cancel().catch(() => {}) };
  }

  private writeLines(text: string, name: OutputStream): string {
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      this.writeLine(text.slice(start, newline), name);
      start = newline + 1;
    }
    let rest = text.slice(start);
    while (rest.length > MAX_PENDING_CHARS) {
      this.writeLine(rest.slice(0, MAX_PENDING_CHARS), name);
      rest = rest.slice(MAX_PENDING_CHARS);
    }
    return rest;
  }

  private writeLine(line: string, name: OutputStream): void {
    this.file.write(`${new Date().toISOString()} ${name} ${line}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
