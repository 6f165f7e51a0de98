// The log viewer: one agent's output or several merged by time, stdout and stderr each on or
// off, a search that keeps only matching lines, follow (new lines as they are written, the view
// kept at the bottom), and plain text to select or copy.

import { stream } from "./api.js";
import { formatClock, toast } from "./util.js";

/** Lines kept in the page; older ones are dropped first. */
const MAX_LINES = 5000;
const BACKLOG = 500;
const MERGED_BACKLOG = 100;
const MAX_MERGED = 100;

export function createLogsView({ select, stdout, stderr, follow, search, copy, note, output, agentNames }) {
  let lines = [];
  let closeStream = null;
  let merged = false;
  /** Opened before the feed named any agent: opened again once it does. */
  let waiting = false;

  const visible = (entry) => {
    if (entry.stream === "stdout" ? !stdout.checked : !stderr.checked) return false;
    const text = search.value.trim().toLowerCase();
    return text === "" || entry.line.toLowerCase().includes(text) || (merged && entry.agent.toLowerCase().includes(text));
  };

  const format = (entry) => `${formatClock(entry.time, true)} ${merged ? `${entry.agent} ` : ""}${entry.stream === "stderr" ? "err" : "out"} | ${entry.line}`;

  const lineNode = (entry) => {
    const span = document.createElement("span");
    if (entry.stream === "stderr") span.className = "stderr";
    span.textContent = `${format(entry)}\n`;
    return span;
  };

  function redraw() {
    const fragment = document.createDocumentFragment();
    for (const entry of lines) if (visible(entry)) fragment.append(lineNode(entry));
    output.replaceChildren(fragment);
    scroll();
  }

  function scroll() {
    if (follow.checked) output.scrollTop = output.scrollHeight;
  }

  /** New lines from a frame: merged ones are sorted in by time, the rest appended. */
  function add(agent, incoming, backlog) {
    const entries = incoming.filter((line) => !line.partial || line.line !== "").map((line) => ({ ...line, agent }));
    if (entries.length === 0) return;
    if (backlog && merged) {
      lines = lines.concat(entries).sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
      redraw();
      return;
    }
    lines.push(...entries);
    if (lines.length > MAX_LINES) {
      lines = lines.slice(-MAX_LINES);
      redraw();
      return;
    }
    const fragment = document.createDocumentFragment();
    for (const entry of entries) if (visible(entry)) fragment.append(lineNode(entry));
    output.append(fragment);
    scroll();
  }

  function open() {
    closeStream?.();
    closeStream = null;
    lines = [];
    output.replaceChildren();
    const agent = select.value;
    merged = agent === "";
    const names = merged ? agentNames().slice(0, MAX_MERGED) : [agent];
    waiting = names.length === 0;
    if (waiting) {
      note.textContent = "No agents yet.";
      return;
    }
    const backlog = merged ? MERGED_BACKLOG : BACKLOG;
    const query = new URLSearchParams(names.map((name) => ["agent", name]));
    query.set("lines", String(backlog));
    if (follow.checked) query.set("follow", "true");
    note.textContent = merged
      ? `Merged output of ${names.length} agent(s)${agentNames().length > MAX_MERGED ? ` (the first ${MAX_MERGED} the agents table shows; filter it to choose)` : ""}.`
      : "";
    if (!follow.checked && !merged) {
      // One answer, no stream.
      fetch(`/api/v1/logs?${query}`)
        .then((response) => response.json())
        .then((envelope) => (envelope.status === "success" ? add(agent, envelope.data.lines, true) : toast(envelope.error.message, "error")));
      return;
    }
    if (!follow.checked) query.set("follow", "true");
    const firstFrame = new Set();
    closeStream = stream(`/api/v1/logs?${query}`, {
      message(envelope) {
        const backlogFrame = !firstFrame.has(envelope.id);
        firstFrame.add(envelope.id);
        if (envelope.status !== "success") toast(envelope.error.message, "error");
        else add(envelope.data.agent, envelope.data.lines, backlogFrame);
        // Merged without follow: once every agent's backlog is here, the stream is let go.
        if (!follow.checked && firstFrame.size === names.length) closeStream?.();
      },
      close(reason) {
        if (reason !== "closed" && reason !== "ended") toast(`Log stream: ${reason}`, "error");
      },
    });
  }

  select.addEventListener("change", open);
  follow.addEventListener("change", open);
  for (const input of [stdout, stderr]) input.addEventListener("change", redraw);
  search.addEventListener("input", redraw);
  copy.addEventListener("click", async () => {
    const text = lines.filter(visible).map(format).join("\n");
    try {
      await navigator.clipboard.writeText(text);
      toast(`Copied ${text === "" ? 0 : text.split("\n").length} line(s).`);
    } catch {
      // No clipboard (plain HTTP off localhost): select the text for Ctrl+C instead.
      getSelection().selectAllChildren(output);
      toast("Selected: press Ctrl+C (or ⌘C) to copy.");
    }
  });

  return {
    /** Fills the agent list (keeping the choice) from the agents table's names. */
    setAgents(names) {
      const current = select.value;
      const existing = [...select.options].slice(1).map((option) => option.value);
      if (existing.join("\n") === names.join("\n")) return;
      select.replaceChildren(select.options[0], ...names.map((name) => new Option(name, name)));
      select.value = names.includes(current) ? current : "";
      if (waiting) open();
    },
    /** The agent to show next ("" = merged). */
    choose(agent) {
      if (![...select.options].some((option) => option.value === agent)) select.append(new Option(agent, agent));
      select.value = agent;
    },
    /** Starts reading the chosen agent's logs. */
    show: open,
    /** Stops reading (the view is hidden). */
    pause() {
      closeStream?.();
      closeStream = null;
      waiting = false;
    },
  };
}
