// The dashboard's way to serve: the session (what this viewer may run), commands over
// /api/v1 (GET reads, POST changes), and Server-Sent Events read with fetch (so a refusal's
// status and envelope reach the page, and a stream ends when serve says it has ended).

let session = { name: "", version: "", read_only: true, permitted: [], changing: [] };

function toLogin(response) {
  if (response.status === 401) {
    location.assign("/login");
    throw new Error("not logged in");
  }
}

export async function loadSession() {
  const response = await fetch("/ui/session", { headers: { Accept: "application/json" } });
  toLogin(response);
  session = await response.json();
  return session;
}

/** Whether this viewer may run `command` (allowed_commands, blocked_commands and a read-only listener). */
export function can(command) {
  return session.permitted.includes(command);
}

/** One command; resolves to its envelope (success or error), whatever the HTTP status. */
export async function call(command, args = {}) {
  const changing = session.changing.includes(command);
  const query = changing ? "" : `?${new URLSearchParams(Object.entries(args).map(([k, v]) => [k, String(v)]))}`;
  const response = await fetch(`/api/v1/${encodeURIComponent(command)}${query}`, {
    method: changing ? "POST" : "GET",
    headers: changing ? { "Content-Type": "application/json", Accept: "application/json" } : { Accept: "application/json" },
    body: changing ? JSON.stringify(args) : undefined,
  });
  toLogin(response);
  return response.json();
}

/**
 * Reads an SSE response: `on.<event>(data)` for each event (`message` when unnamed), `on.open()`
 * once it answers, `on.close(reason)` when it ends for any reason. Returns a function that ends it.
 */
export function stream(url, on) {
  const abort = new AbortController();
  let closed = false;
  const close = (reason) => {
    if (closed) return;
    closed = true;
    abort.abort();
    on.close?.(reason);
  };
  (async () => {
    const response = await fetch(url, { headers: { Accept: "text/event-stream" }, signal: abort.signal });
    toLogin(response);
    if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      const body = await response.json().catch(() => null);
      close(body?.error?.message ?? `HTTP ${response.status}`);
      return;
    }
    on.open?.();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let split = buffer.indexOf("\n\n");
      while (split !== -1) {
        dispatchEvent(buffer.slice(0, split), on);
        buffer = buffer.slice(split + 2);
        split = buffer.indexOf("\n\n");
      }
    }
    close("ended");
  })().catch((error) => close(abort.signal.aborted ? "closed" : String(error.message ?? error)));
  return () => close("closed");
}

function dispatchEvent(block, on) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length === 0) return;
  on[event]?.(JSON.parse(data.join("\n")));
}
