// The event history as a timeline, newest first: the last events, then each new one as serve
// records it (history --follow), filtered by agent, severity and type.

import { stream } from "./api.js";
import { el, formatClock, toast } from "./util.js";

const BACKLOG = 300;
const MAX_EVENTS = 2000;

export function createEventsView({ list, agentSelect, severitySelect, typeInput }) {
  let events = [];
  let closeStream = null;
  let lastSeq = 0;

  const visible = (event) => {
    const type = typeInput.value.trim().toUpperCase();
    return (
      (agentSelect.value === "" || event.agent === agentSelect.value) &&
      (severitySelect.value === "" || event.severity === severitySelect.value) &&
      (type === "" || event.type.includes(type))
    );
  };

  function item(event) {
    const details = Object.entries(event.details ?? {})
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : value}`)
      .join(" ");
    return el(
      "li",
      { class: `event severity-${event.severity.toLowerCase()}` },
      el("time", { datetime: event.timestamp }, formatClock(event.timestamp)),
      el("span", { class: "severity" }, event.severity),
      el("span", { class: "type" }, event.type),
      event.agent ? el("span", { class: "agent" }, event.agent) : null,
      details ? el("span", { class: "details" }, details) : null,
    );
  }

  function redraw() {
    const fragment = document.createDocumentFragment();
    for (let i = events.length - 1; i >= 0; i--) if (visible(events[i])) fragment.append(item(events[i]));
    list.replaceChildren(fragment);
  }

  function add(incoming) {
    const fresh = incoming.filter((event) => event.seq > lastSeq);
    if (fresh.length === 0) return;
    lastSeq = fresh[fresh.length - 1].seq;
    events.push(...fresh);
    if (events.length > MAX_EVENTS) {
      events = events.slice(-MAX_EVENTS);
      redraw();
      return;
    }
    const fragment = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) if (visible(fresh[i])) fragment.append(item(fresh[i]));
    list.prepend(fragment);
  }

  function open() {
    closeStream?.();
    // After a reconnect, only what came since the last event seen.
    const query = lastSeq > 0 ? `after_seq=${lastSeq}` : `last=${BACKLOG}`;
    closeStream = stream(`/api/v1/history?${query}&follow=true`, {
      message(envelope) {
        if (envelope.status === "success") add(envelope.data.events);
        else toast(envelope.error.message, "error");
      },
      close(reason) {
        if (reason !== "closed" && reason !== "ended") toast(`Event stream: ${reason}`, "error");
      },
    });
  }

  for (const input of [agentSelect, severitySelect]) input.addEventListener("change", redraw);
  typeInput.addEventListener("input", redraw);

  return {
    setAgents(names) {
      const current = agentSelect.value;
      const existing = [...agentSelect.options].slice(1).map((option) => option.value);
      if (existing.join("\n") === names.join("\n")) return;
      agentSelect.replaceChildren(agentSelect.options[0], ...names.map((name) => new Option(name, name)));
      agentSelect.value = names.includes(current) ? current : "";
    },
    show: open,
    pause() {
      closeStream?.();
      closeStream = null;
    },
  };
}
