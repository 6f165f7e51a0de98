// The dashboard: the session, the live feed (reconnected when it drops), the four views behind
// tabs (#agents, #logs, #events, #graph) and the commands run from the agents table.

import { createAgentsTable } from "./agents.js";
import { call, loadSession, stream } from "./api.js";
import { createEventsView } from "./events.js";
import { createGraphView } from "./graph.js";
import { createLogsView } from "./logs.js";
import { toast } from "./util.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["agents", "logs", "events", "graph"];

function confirmStop(agent) {
  return new Promise((resolve) => {
    const dialog = $("confirm");
    $("confirm-text").textContent = `Stop ${agent}? It stays stopped until it is started again.`;
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
    dialog.showModal();
  });
}

function describe(command, data) {
  if (command === "stop") return `${data.agent} stopped${data.graceful_shutdown ? "" : " (killed with SIGKILL after stop_timeout)"}`;
  if (data.pid === null) return `${data.agent} ${command === "start" ? "queued" : "restarting"} (${data.status})`;
  return `${data.agent} ${command === "start" ? "started" : "restarted"} (PID ${data.pid})`;
}

async function onAction(command, agent) {
  if (command === "stop" && !(await confirmStop(agent))) return;
  try {
    const envelope = await call(command, { agent });
    if (envelope.status === "success") toast(describe(command, envelope.data));
    else toast(`${command} ${agent}: ${envelope.error.message}`, "error");
  } catch (error) {
    toast(`${command} ${agent}: ${error.message}`, "error");
  }
}

async function main() {
  const session = await loadSession();
  document.title = `${session.name} · pyorchestrate`;
  let view = null;
  const agents = createAgentsTable({
    table: $("agents-table"),
    filterInput: $("agent-filter"),
    statusSelect: $("status-filter"),
    counts: $("agent-counts"),
    onAction,
    onLogs: (agent) => {
      logs.choose(agent);
      if (location.hash === "#logs") logs.show();
      else location.hash = "#logs";
    },
  });
  const logs = createLogsView({
    select: $("log-agent"),
    stdout: $("log-stdout"),
    stderr: $("log-stderr"),
    follow: $("log-follow"),
    search: $("log-search"),
    copy: $("log-copy"),
    note: $("log-note"),
    output: $("log-text"),
    agentNames: () => agents.names(),
  });
  const events = createEventsView({ list: $("event-list"), agentSelect: $("event-agent"), severitySelect: $("event-severity"), typeInput: $("event-type") });
  const graph = createGraphView({ canvas: $("graph-canvas"), list: $("graph-list") });
  const views = { agents: null, logs, events, graph };

  function showView(name, start = true) {
    if (!VIEWS.includes(name)) name = "agents";
    for (const other of VIEWS) {
      $(other).hidden = other !== name;
      const tab = document.querySelector(`.tabs a[data-view="${other}"]`);
      if (other === name) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    if (view !== name) views[view]?.pause?.();
    const changed = view !== name;
    view = name;
    if (start && changed) views[name]?.show?.();
  }
  window.addEventListener("hashchange", () => showView(location.hash.slice(1)));

  let retry = 1000;
  const connection = $("connection");
  const connect = () => {
    stream("/ui/feed", {
      open() {
        retry = 1000;
        connection.textContent = "Live";
        connection.dataset.state = "live";
      },
      history: (history) => agents.history(history),
      agents(frame) {
        agents.update(frame);
        const names = frame.agents.map((agent) => agent.name);
        logs.setAgents(names);
        events.setAgents(names);
        // An edge's state follows its provider's status: re-read them when a status changed.
        if (graph.update(frame.agents) && view === "graph") graph.show();
      },
      close(reason) {
        connection.textContent = `Disconnected (${reason}); retrying…`;
        connection.dataset.state = "down";
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10_000);
      },
    });
  };
  connect();
  showView(location.hash.slice(1));
}

main().catch((error) => toast(`The dashboard could not start: ${error.message}`, "error"));
