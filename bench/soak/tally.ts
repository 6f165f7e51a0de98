// Talking to serve and counting every answer: requests sent and answered, outcomes and latencies
// by command, and which outcomes churn does not explain.

import type { ArgsOf, CommandName, DataOf } from "../../src/protocol/commands.ts";
import type { Envelope } from "../../src/protocol/envelope.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

export const COMMAND_TIMEOUT_MS = 30_000;
/** Answers that churn makes normal; anything else is a finding. */
export const EXPECTED_OUTCOMES = new Set(["success", "AGENT_ALREADY_RUNNING", "AGENT_NOT_RUNNING", "ORCHESTRATOR_BUSY"]);

/** One request over a connection of its own or a shared one. */
export type Transport = <C extends CommandName>(command: C, args: ArgsOf<C>, timeoutMs: number) => Promise<Envelope<DataOf<C>>>;

export class Tally {
  readonly sent = new Map<string, number>();
  readonly answered = new Map<string, number>();
  readonly outcomes = new Map<string, Map<string, number>>();
  readonly latencies = new Map<string, number[]>();

  async send<C extends CommandName>(transport: Transport, command: C, args: ArgsOf<C>): Promise<Envelope<DataOf<C>> | null> {
    bump(this.sent, command);
    const startedAt = performance.now();
    try {
      const envelope = await transport(command, args, COMMAND_TIMEOUT_MS);
      bump(this.answered, command);
      this.outcome(command, envelope.status === "success" ? "success" : envelope.error.code);
      const list = this.latencies.get(command) ?? [];
      list.push(performance.now() - startedAt);
      this.latencies.set(command, list);
      return envelope;
    } catch (error) {
      this.outcome(command, error instanceof ProtocolError ? error.code : `exception: ${(error as Error).message}`);
      return null;
    }
  }

  outcome(command: string, outcome: string): void {
    const map = this.outcomes.get(command) ?? new Map<string, number>();
    bump(map, outcome);
    this.outcomes.set(command, map);
  }

  unexpected(): string[] {
    const found: string[] = [];
    for (const [command, map] of this.outcomes) {
      for (const [outcome, count] of map) if (!EXPECTED_OUTCOMES.has(outcome)) found.push(`${command} → ${outcome} ×${count}`);
    }
    return found;
  }
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
