// The Nomad job an export builds, before it is written as HCL or as the API's JSON. Durations in
// seconds; the writers turn them into "10s" or nanoseconds.

export interface NomadJob {
  id: string;
  type: "service" | "batch";
  periodic: { crons: string[]; prohibitOverlap: boolean; enabled: boolean } | null;
  groups: NomadGroup[];
}

export interface NomadGroup {
  name: string;
  count: number;
  /** Dynamic ports mapped to these container ports. */
  ports: Array<{ label: string; to: number }>;
  /** batch only: the allocation is stopped after this many seconds. */
  maxRunDuration: number | null;
  tasks: NomadTask[];
}

export type Phase = "prestart" | "prestart-sidecar" | "main" | "poststart";

export interface NomadRestart {
  attempts: number;
  interval: number;
  delay: number;
  mode: "fail" | "delay";
}

export interface NomadTask {
  name: string;
  image: string;
  entrypoint: string[];
  workDir: string;
  ports: string[];
  env: Record<string, string>;
  user: string | null;
  phase: Phase;
  killSignal: string;
  killTimeout: number;
  memoryMB: number | null;
  logs: { maxFiles: number; maxFileSizeMB: number } | null;
  restart: NomadRestart;
  services: NomadService[];
}

export interface NomadService {
  name: string;
  port: string | null;
  checks: NomadCheck[];
}

export interface NomadCheck {
  name: string;
  type: "http" | "tcp" | "script";
  path: string | null;
  protocol: "https" | null;
  command: string | null;
  args: string[];
  port: string | null;
  interval: number;
  timeout: number;
  successBeforePassing: number;
  failuresBeforeCritical: number;
  checkRestart: { limit: number; grace: number } | null;
}

/** The lifecycle block of a phase (main tasks have none). */
export function lifecycleOf(phase: Phase): { hook: "prestart" | "poststart"; sidecar: boolean } | null {
  if (phase === "main") return null;
  if (phase === "poststart") return { hook: "poststart", sidecar: false };
  return { hook: "prestart", sidecar: phase === "prestart-sidecar" };
}

/** Nomad's lifecycle order: prestart tasks, then main tasks, then poststart tasks. */
export function rank(phase: Phase): number {
  return phase === "poststart" ? 2 : phase === "main" ? 1 : 0;
}
