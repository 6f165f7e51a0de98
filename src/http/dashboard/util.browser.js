// Small helpers of the dashboard: building elements, formatting numbers and times, a toast.

/** `el("td", { class: "x", "data-label": "PID" }, "text", child)`: attributes set, children appended (strings as text). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** `HH:MM:SS`, with days as `2d 03:04:05`. */
export function formatUptime(totalSeconds) {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(seconds / 86400);
  const clock = [Math.floor((seconds % 86400) / 3600), Math.floor((seconds % 3600) / 60), seconds % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** Local wall-clock time of an ISO string or epoch ms: `19:16:47`, with milliseconds when asked. */
export function formatClock(time, withMs = false) {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return "";
  const clock = [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
  return withMs ? `${clock}.${String(date.getMilliseconds()).padStart(3, "0")}` : clock;
}

/** "in 4s", "in 2m 5s" (or the clock time beyond an hour). */
export function formatNextRun(iso, now = Date.now()) {
  if (!iso) return "–";
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return "now";
  const s = Math.round(ms / 1000);
  if (s < 60) return `in ${s}s`;
  if (s < 3600) return `in ${Math.floor(s / 60)}m ${s % 60}s`;
  return formatClock(iso);
}

let toastTimer = null;

/** A short message in the live region (read out by screen readers); errors stay longer. */
export function toast(message, kind = "info") {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.dataset.kind = kind;
  node.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove("shown"), kind === "error" ? 8000 : 4000);
}

/** Runs `fn` once per animation frame at most, however often it is asked for. */
export function batched(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}
