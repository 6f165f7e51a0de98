// TCP probes: ready when a connection opens; it is closed at once (FIN, nothing sent).

import { describeError, timedOut } from "./probe-result.ts";

export async function runTcpProbe(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  // Bun.connect takes an IPv6 literal bare; accept the bracketed form of the config too.
  const hostname = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  let timer: Timer | undefined;
  const deadline = new Promise<"timeout">((resolve) => (timer = setTimeout(resolve, timeoutMs, "timeout")));
  try {
    // connectError given: a refusal rejects `connecting` without being reported as unhandled.
    const connecting = Bun.connect({ hostname, port, socket: { data() {}, error() {}, connectError() {} } });
    const outcome = await Promise.race([connecting, deadline]);
    if (outcome === "timeout") {
      // A connection that opens after all must not stay open.
      connecting.then(
        (socket) => socket.end(),
        () => {},
      );
      return { ok: false, message: timedOut(timeoutMs) };
    }
    outcome.end();
    return { ok: true, message: "connected" };
  } catch (error) {
    return { ok: false, message: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}
