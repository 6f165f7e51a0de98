// Who starts next: agents due to start (or due for a periodic run) wait here, first come first
// served, until their dependencies hold and a max_workers slot is free.

import { allSatisfied } from "./dependencies.ts";
import type { AgentRuntime } from "./runtime.ts";

export interface StartQueueHooks {
  /** max_workers now (a reload may change it); 0 = no limit. */
  limit(): number;
  /** The runtimes a depends_on name stands for (every copy of an agent with instances). */
  providers(name: string): readonly AgentRuntime[];
  /** Starts the agent's process; calls `processStarted` when one is really running. */
  launch(runtime: AgentRuntime): void;
  /** The agent stays in line: a provider is not up yet, or every slot is taken. */
  wait(runtime: AgentRuntime, reason: "dependencies" | "slot"): void;
}

export class StartQueue {
  private line: AgentRuntime[] = [];
  /** Agent processes alive now: the slots max_workers counts. */
  private live = 0;

  constructor(private readonly hooks: StartQueueHooks) {}

  has(runtime: AgentRuntime): boolean {
    return this.line.includes(runtime);
  }

  /** Joins the back of the line, or its front (a restart keeps its place); once only. */
  add(runtime: AgentRuntime, front = false): void {
    if (this.has(runtime)) return;
    if (front) this.line.unshift(runtime);
    else this.line.push(runtime);
  }

  remove(runtime: AgentRuntime): void {
    this.line = this.line.filter((other) => other !== runtime);
  }

  clear(): void {
    this.line = [];
  }

  processStarted(): void {
    this.live++;
  }

  processEnded(): void {
    this.live--;
  }

  /** 1, 2, … for each agent waiting only for a worker slot, in the order they will get one. */
  positions(): Map<AgentRuntime, number> {
    const positions = new Map<AgentRuntime, number>();
    for (const runtime of this.line) {
      if (runtime.status === "waiting" && runtime.waitingReason === "queued") positions.set(runtime, positions.size + 1);
    }
    return positions;
  }

  /** Starts whatever can start now, in line order, and marks why the rest still wait. */
  drain(): void {
    const limit = this.hooks.limit();
    const providers = (name: string) => this.hooks.providers(name);
    let started = true;
    while (started) {
      started = false;
      for (const runtime of this.line) {
        if (!allSatisfied(runtime, providers)) {
          this.hooks.wait(runtime, "dependencies");
          continue;
        }
        if (limit > 0 && this.live >= limit) {
          this.hooks.wait(runtime, "slot");
          continue;
        }
        this.remove(runtime);
        this.hooks.launch(runtime);
        // The line changed under the loop: look again from its front.
        started = true;
        break;
      }
    }
  }
}
