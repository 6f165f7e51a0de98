// The agents table: one keyed row per agent, updated cell by cell from the feed (a cell is
// written only when its text changes, rows move only when the order does), sortable by any
// column, filtered by name and status, with start/stop/restart where this viewer may.

import { can } from "./api.js";
import { createSparkline, drawSparkline } from "./sparkline.js";
import { batched, el, formatNextRun, formatUptime } from "./util.js";

const ACTIVE = new Set(["running", "starting", "waiting", "backoff", "stopping"]);
const HAS_PROCESS = new Set(["running", "starting", "stopping"]);
const LABELS = {
  name: "Name",
  status: "Status",
  pid: "PID",
  uptime_seconds: "Uptime",
  restarts: "Restarts",
  cpu_percent: "CPU",
  memory_bytes: "Memory",
  health: "Health",
  next_run: "Next run",
};

/** `onAction(command, agent)` runs a command; `onLogs(agent)` opens its logs. */
export function createAgentsTable({ table, filterInput, statusSelect, counts, onAction, onLogs }) {
  const tbody = table.tBodies[0];
  const rows = new Map();
  let order = [];
  let sort = { key: "name", direction: 1 };
  let points = 90;

  const render = batched(() => {
    const text = filterInput.value.trim().toLowerCase();
    const status = statusSelect.value;
    const sorted = [...rows.values()].sort(compare);
    const names = sorted.map((row) => row.data.name);
    let shown = 0;
    for (const row of sorted) {
      const visible = (text === "" || row.data.name.toLowerCase().includes(text)) && (status === "" || row.data.status === status);
      if (row.tr.hidden === visible) row.tr.hidden = !visible;
      if (visible) shown++;
      paint(row);
    }
    if (names.join("\n") !== order.join("\n")) {
      const fragment = document.createDocumentFragment();
      for (const row of sorted) fragment.append(row.tr);
      tbody.append(fragment);
      order = names;
    }
    const running = sorted.filter((row) => HAS_PROCESS.has(row.data.status)).length;
    counts.textContent = `${rows.size} · ${running} running${shown < rows.size ? ` · ${shown} shown` : ""}`;
  });

  function compare(a, b) {
    const x = a.data[sort.key];
    const y = b.data[sort.key];
    if (x === y) return a.data.name < b.data.name ? -1 : 1;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sort.direction;
  }

  function createRow(name) {
    const cells = {};
    // Explicit roles: the rows are CSS grids, and some browsers drop a table's semantics then.
    const tr = el("tr", { "data-agent": name, role: "row" });
    for (const key of Object.keys(LABELS)) {
      const header = key === "name";
      cells[key] = el(header ? "th" : "td", {
        "data-label": LABELS[key],
        class: `col-${key}`,
        role: header ? "rowheader" : "cell",
        ...(header ? { scope: "row" } : {}),
      });
      tr.append(cells[key]);
    }
    const logs = el("button", { type: "button", class: "link", "aria-label": `Logs of ${name}` }, name);
    logs.addEventListener("click", () => onLogs(name));
    cells.name.append(logs);
    cells.statusText = el("span", { class: "badge" });
    cells.status.append(cells.statusText);
    const cpu = createSparkline(`CPU of ${name}, last 15 minutes`);
    const memory = createSparkline(`Memory of ${name}, last 15 minutes`);
    cells.cpuText = el("span", { class: "num" });
    cells.memoryText = el("span", { class: "num" });
    cells.cpu_percent.append(cells.cpuText, cpu);
    cells.memory_bytes.append(cells.memoryText, memory);
    const actions = el("td", { class: "actions", "data-label": "Actions", role: "cell" });
    const buttons = {};
    for (const command of ["start", "stop", "restart"]) {
      if (!can(command)) continue;
      buttons[command] = el(
        "button",
        { type: "button", "data-command": command, "aria-label": `${command[0].toUpperCase()}${command.slice(1)} ${name}` },
        command,
      );
      buttons[command].addEventListener("click", () => act(row, command));
      actions.append(buttons[command]);
    }
    tr.append(actions);
    const row = { tr, cells, buttons, data: { name }, painted: {}, cpu: [], memory: [], sparks: { cpu, memory }, busy: false, seenAt: 0 };
    return row;
  }

  async function act(row, command) {
    row.busy = true;
    paint(row);
    try {
      await onAction(command, row.data.name);
    } finally {
      row.busy = false;
      paint(row);
    }
  }

  function set(row, key, node, text) {
    if (row.painted[key] === text) return;
    row.painted[key] = text;
    node.textContent = text;
  }

  function paint(row) {
    const { data, cells } = row;
    const now = Date.now();
    set(row, "status", cells.statusText, data.status === "waiting" && data.waiting_reason ? `waiting (${data.waiting_reason.replace("_", " ")})` : data.status);
    if (row.painted.statusClass !== data.status) {
      row.painted.statusClass = data.status;
      cells.statusText.className = `badge status-${data.status}`;
    }
    set(row, "pid", cells.pid, data.pid === null ? "–" : String(data.pid));
    const uptime = HAS_PROCESS.has(data.status) ? data.uptime_seconds + Math.floor((now - row.seenAt) / 1000) : null;
    set(row, "uptime", cells.uptime_seconds, uptime === null ? "–" : formatUptime(uptime));
    set(row, "restarts", cells.restarts, String(data.restarts));
    set(row, "cpu", cells.cpuText, data.cpu_usage ?? "–");
    set(row, "memory", cells.memoryText, data.memory_usage ?? "–");
    set(row, "health", cells.health, data.health ?? "–");
    set(row, "next_run", cells.next_run, formatNextRun(data.next_run, now));
    for (const [command, button] of Object.entries(row.buttons)) {
      const off = row.busy || (command === "start" ? ACTIVE.has(data.status) : command === "stop" ? !ACTIVE.has(data.status) : false);
      if (button.disabled !== off) button.disabled = off;
    }
  }

  function drawSparks(row) {
    drawSparkline(row.sparks.cpu, row.cpu, 1);
    drawSparkline(row.sparks.memory, row.memory);
  }

  /** Keeps each series `points` long, newest last. */
  function push(series, value) {
    series.push(value);
    while (series.length > points) series.shift();
  }

  for (const th of table.tHead.rows[0].cells) {
    const key = th.dataset.key;
    if (!key) continue;
    th.querySelector("button").addEventListener("click", () => {
      sort = { key, direction: sort.key === key ? -sort.direction : 1 };
      for (const other of table.tHead.rows[0].cells) other.removeAttribute("aria-sort");
      th.setAttribute("aria-sort", sort.direction === 1 ? "ascending" : "descending");
      render();
    });
  }
  filterInput.addEventListener("input", render);
  statusSelect.addEventListener("change", render);
  // Uptime and "next run in" move on between frames.
  setInterval(render, 1000);

  let lastSample = 0;
  return {
    /** The 15-minute history sent when the feed opens. */
    history({ interval_ms, sampled_at, history }) {
      points = Math.round((15 * 60_000) / interval_ms);
      lastSample = sampled_at;
      for (const [name, series] of Object.entries(history)) {
        const row = rows.get(name) ?? createRow(name);
        rows.set(name, row);
        row.cpu = series.cpu.slice(-points);
        row.memory = series.memory.slice(-points);
        drawSparks(row);
      }
    },
    /** A feed frame: every agent's row as it is now. */
    update(frame) {
      const newSample = frame.sampled_at !== lastSample;
      lastSample = frame.sampled_at;
      const seen = new Set();
      for (const data of frame.agents) {
        seen.add(data.name);
        let row = rows.get(data.name);
        if (!row) {
          row = createRow(data.name);
          rows.set(data.name, row);
        }
        row.data = data;
        row.seenAt = Date.now();
        if (newSample) {
          push(row.cpu, data.cpu_percent);
          push(row.memory, data.memory_bytes);
          drawSparks(row);
        }
      }
      for (const [name, row] of rows) {
        if (seen.has(name)) continue;
        row.tr.remove();
        rows.delete(name);
      }
      render();
    },
    names: () => [...rows.values()].filter((row) => !row.tr.hidden).map((row) => row.data.name),
    all: () => [...rows.values()].map((row) => row.data),
  };
}
