// HTTP probes: one GET, ready on a 2xx. Redirects are not followed (a 3xx fails: a health
// endpoint that redirects is misconfigured, and following it could leave the agent), the body is
// never read, no proxy is used and no connection is kept between checks.

import { describeError, timedOut } from "./probe-result.ts";

// As a kubelet's probes: certificates are not verified (an endpoint on 127.0.0.1 rarely has a
// certificate for that name; the probe sends nothing secret and reads only a status code).
const session = new Bun.FetchSession({ keepAlive: false, proxy: false, tls: { rejectUnauthorized: false } });

export async function runHttpProbe(url: string, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      session,
      method: "GET",
      redirect: "manual",
      signal,
      headers: { "user-agent": "pyorchestrate-health", accept: "*/*" },
    });
    // Only the status matters: an endless or large body must not hold the check.
    void response.body?.cancel().catch(() => {});
    const { status } = response;
    if (status >= 200 && status < 300) return { ok: true, message: `HTTP ${status}` };
    if (status >= 300 && status < 400) return { ok: false, message: `HTTP ${status} (redirects are not followed)` };
    return { ok: false, message: `HTTP ${status}` };
  } catch (error) {
    if (signal.aborted) return { ok: false, message: timedOut(timeoutMs) };
    return { ok: false, message: describeError(error) };
  }
}
