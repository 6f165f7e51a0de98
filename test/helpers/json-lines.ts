// A program that prints one JSON object per line (a notify listener or receiver fixture), its
// records read as they come.

import { waitFor } from "./wait.ts";

export interface JsonLinesProcess extends AsyncDisposable {
  /** Every record so far, in order. */
  records: Array<Record<string, unknown>>;
  /** SIGTERM, then its exit code once its output is read. */
  stop(): Promise<number>;
}

/** Starts `command` and waits for a record that `ready` accepts (throws if it exits first). */
export async function jsonLines(command: string[], ready: (record: Record<string, unknown>) => boolean): Promise<JsonLinesProcess> {
  const proc = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const records: Array<Record<string, unknown>> = [];
  const reading = (async () => {
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
        records.push(JSON.parse(pending.slice(0, end)));
        pending = pending.slice(end + 1);
      }
    }
  })();
  await waitFor(() => records.some(ready) || proc.exitCode !== null, `${command[0]} to start`);
  if (!records.some(ready)) {
    await reading;
    throw new Error(`${command.join(" ")} exited before it was ready`);
  }
  return {
    records,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await reading;
      return code;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
      await reading;
    },
  };
}
