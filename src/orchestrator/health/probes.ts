// One readiness or liveness check of an agent, by command, TCP connect or HTTP GET. A probe never
// throws: every failure, its own included, is a result.

import { runCommandProbe } from "./probe-command.ts";
import { runHttpProbe } from "./probe-http.ts";
import { type ProbeContext, type ProbeResult, type ProbeSpec, timed } from "./probe-result.ts";
import { runTcpProbe } from "./probe-tcp.ts";

export type { ProbeContext, ProbeResult, ProbeSpec } from "./probe-result.ts";

export function runProbe(spec: ProbeSpec, context: ProbeContext): Promise<ProbeResult> {
  return timed(async () => {
    switch (spec.kind) {
      case "command":
        return runCommandProbe(spec.command, context);
      case "tcp":
        return runTcpProbe(spec.host, spec.port, context.timeoutMs);
      case "http":
        return runHttpProbe(spec.url, context.timeoutMs);
      default:
        return { ok: false, message: `unknown probe kind '${String((spec as { kind?: unknown }).kind)}'` };
    }
  });
}
