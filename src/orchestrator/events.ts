// The in-memory event history: a bounded ring of sequenced events, with subscribers.

export type EventCategory = "AGENT" | "EXECUTION" | "COMMAND" | "ORCHESTRATOR";
export type EventSeverity = "INFO" | "WARNING" | "ERROR";

export type EventType =
  | "AGENT_STARTED"
  | "AGENT_EXITED"
  | "AGENT_STOPPED"
  | "AGENT_FAILED"
  | "AGENT_RESTARTED"
  | "AGENT_BACKOFF"
  | "AGENT_COMPLETED"
  | "EXECUTION_STARTED"
  | "EXECUTION_COMPLETED"
  | "EXECUTION_FAILED"
  | "EXECUTION_TIMEOUT"
  | "EXECUTION_SKIPPED"
  | "COMMAND_EXECUTED"
  | "COMMAND_REJECTED"
  | "ORCHESTRATOR_STARTED"
  | "ORCHESTRATOR_RELOADED"
  | "SHUTDOWN_INITIATED"
  | "SHUTDOWN_COMPLETED";

export interface OrchestratorEvent {
  seq: number;
  timestamp: string;
  category: EventCategory;
  type: EventType;
  agent: string | null;
  severity: EventSeverity;
  details: Record<string, unknown>;
}

export type NewEvent = Omit<OrchestratorEvent, "seq" | "timestamp" | "category"> & { category?: EventCategory };

type Listener = (event: OrchestratorEvent) => void;

function categoryOf(type: EventType): EventCategory {
  if (type.startsWith("AGENT_")) return "AGENT";
  if (type.startsWith("EXECUTION_")) return "EXECUTION";
  if (type.startsWith("COMMAND_")) return "COMMAND";
  return "ORCHESTRATOR";
}

export class EventLog {
  private readonly ring: OrchestratorEvent[] = [];
  private head = 0;
  private seq = 0;
  private total = 0;
  private readonly listeners = new Set<Listener>();

  constructor(readonly capacity: number) {}

  record(event: NewEvent): OrchestratorEvent {
    const full: OrchestratorEvent = {
      seq: ++this.seq,
      timestamp: new Date().toISOString(),
      category: event.category ?? categoryOf(event.type),
      type: event.type,
      agent: event.agent,
      severity: event.severity,
      details: event.details,
    };
    if (this.ring.length < this.capacity) this.ring.push(full);
    else {
      this.ring[this.head] = full;
      this.head = (this.head + 1) % this.capacity;
    }
    this.total++;
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /** Events kept, oldest first. */
  all(): OrchestratorEvent[] {
    return this.head === 0 ? this.ring.slice() : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  get size(): number {
    return this.ring.length;
  }

  /** Events recorded since start, including those the ring has dropped. */
  get totalRecorded(): number {
    return this.total;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
