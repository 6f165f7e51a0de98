// `pyorchestrate notify KEY=VALUE…`: systemd-notify's job for a shell agent — one datagram with
// the assignments to $NOTIFY_SOCKET, then (unless --no-block) a BARRIER=1 that waits until the
// receiver has handled it, so this process is still alive while serve checks whose process tree
// the sender's pid belongs to. Offline: it talks to the socket its parent was given, not to
// serve's command socket. Silent on success, as systemd-notify is.

import { defineCommand } from "../command.ts";
import { notifyBarrier } from "../../system/notify-barrier.ts";
import { NotifySocket } from "../../system/sd-notify.ts";
import { EXIT, UsageError } from "../errors.ts";
import { writeErr } from "../output.ts";

/** As long as systemd-notify waits for its barrier. */
const BARRIER_TIMEOUT_MS = 5000;

function assignments(words: string[], ready: boolean | undefined, status: string | undefined): string[] {
  for (const word of words) {
    if (word.indexOf("=") <= 0) throw new UsageError(`'${word}' is not an assignment (KEY=VALUE)`);
  }
  const all = [...(ready ? ["READY=1"] : []), ...(status !== undefined ? [`STATUS=${status}`] : []), ...words];
  if (all.length === 0) throw new UsageError("nothing to send: give KEY=VALUE assignments, --ready or --status");
  // One assignment per line: a newline inside one would smuggle in another.
  const split = all.find((line) => line.includes("\n"));
  if (split !== undefined) throw new UsageError(`an assignment cannot span lines: '${split.split("\n")[0]}…'`);
  return all;
}

export default defineCommand({
  meta: { name: "notify", description: "Send READY=1, STATUS=… and other assignments to $NOTIFY_SOCKET, as systemd-notify does" },
  args: {
    assignment: { type: "positional", required: false, description: "KEY=VALUE, one or more (READY=1, STATUS=text, WATCHDOG=1, …)", valueHint: "KEY=VALUE" },
    ready: { type: "boolean", description: "Shorthand for READY=1" },
    status: { type: "string", description: "Shorthand for STATUS=TEXT", valueHint: "TEXT" },
    "no-block": { type: "boolean", description: "Do not wait for the receiver to have handled the message" },
  },
  async run({ args }) {
    const lines = assignments(args._.map(String), args.ready, args.status);
    const address = process.env.NOTIFY_SOCKET;
    if (!address) {
      writeErr("✗ NOTIFY_SOCKET is not set: nothing is listening for notifications\n");
      process.exitCode = EXIT.error;
      return;
    }
    let socket: NotifySocket | null = null;
    try {
      socket = new NotifySocket(address);
      socket.send(lines);
      if (!args["no-block"] && !notifyBarrier(address, BARRIER_TIMEOUT_MS)) {
        writeErr(`✗ sent to ${address}, but it did not confirm within ${BARRIER_TIMEOUT_MS / 1000} s (BARRIER=1)\n`);
        process.exitCode = EXIT.error;
        return;
      }
      process.exitCode = EXIT.ok;
    } catch (error) {
      writeErr(`✗ cannot notify ${address}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT.error;
    } finally {
      socket?.close();
    }
  },
});
