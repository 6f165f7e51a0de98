// The orchestrator's notify port in serve: agents' NOTIFY_SOCKET datagrams (src/system/
// notify-receiver.ts) delivered to Orchestrator.notified(). The receiver, and the thread it
// starts, exist only once a notify agent first runs: a config without one pays nothing for it.

import type { NotifyDatagram, NotifyPort } from "../orchestrator/agent-notify.ts";
import { LaunchRefusedError } from "../orchestrator/launch-identity.ts";
import { createNotifyReceiver, type NotifyReceiver } from "../system/notify-receiver.ts";

export interface ServeNotifyPort extends NotifyPort {
  /** Closes every socket and ends the thread (serve's exit). */
  dispose(): void;
}

export function lazyNotifyPort(deliver: (agent: string, datagram: NotifyDatagram) => void): ServeNotifyPort {
  let receiver: NotifyReceiver | null = null;
  return {
    open(key, path, owner) {
      if (!receiver) {
        const created = createNotifyReceiver((agent, message) => deliver(agent, { fields: message.fields, pid: message.pid }));
        // Thrown at the agent's launch: its start fails for good with this reason (SPAWN_FAILED).
        if ("problem" in created) throw new LaunchRefusedError(`serve cannot receive notify datagrams here: ${created.problem}`);
        receiver = created;
      }
      receiver.open(key, path, owner);
    },
    close(key) {
      receiver?.close(key);
    },
    dispose() {
      receiver?.dispose();
      receiver = null;
    },
  };
}
