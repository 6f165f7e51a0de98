// The dependency graph: agents in columns by depth (providers left of what waits for them),
// an arrow per depends_on edge labelled with its condition, dashed while it does not hold,
// each node coloured by its agent's status. A list says the same for screen readers.

import { call } from "./api.js";
import { el, toast } from "./util.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 170;
const NODE_H = 40;
const GAP_X = 90;
const GAP_Y = 18;

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Depth of each agent: 0 without providers, else one more than its deepest provider. */
function depths(dependencies, order) {
  const depth = new Map();
  const of = (name, seen = new Set()) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const providers = dependencies[name] ?? [];
    const d = providers.length === 0 ? 0 : 1 + Math.max(...providers.map((provider) => of(provider, seen)));
    depth.set(name, d);
    return d;
  };
  for (const name of order) of(name);
  for (const name of Object.keys(dependencies)) of(name);
  return depth;
}

export function createGraphView({ canvas, list }) {
  let nodes = new Map();
  let statuses = new Map();

  function paintStatuses() {
    for (const [name, node] of nodes) {
      const status = statuses.get(name) ?? "unknown";
      if (node.dataset.status !== status) {
        node.dataset.status = status;
        node.setAttribute("class", `node status-${status}`);
        node.querySelector(".node-status").textContent = status;
      }
    }
  }

  async function load() {
    const envelope = await call("dependencies");
    if (envelope.status !== "success") {
      toast(envelope.error.message, "error");
      return;
    }
    const { dependencies, order, edges } = envelope.data;
    const depth = depths(dependencies, order);
    const columns = [];
    const names = [...new Set([...order, ...Object.keys(dependencies)])];
    for (const name of names) {
      const d = depth.get(name) ?? 0;
      if (!columns[d]) columns[d] = [];
      columns[d].push(name);
    }
    const tallest = Math.max(1, ...columns.map((column) => column.length));
    const width = Math.max(1, columns.length) * (NODE_W + GAP_X) - GAP_X + 20;
    const height = tallest * (NODE_H + GAP_Y) - GAP_Y + 20;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": "graph-title" });
    const defs = svg("defs");
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M0 0L10 5L0 10z", class: "arrowhead" }));
    defs.append(marker);
    root.append(defs);
    const position = new Map();
    for (const [c, column] of columns.entries()) {
      for (const [r, name] of column.entries()) position.set(name, { x: 10 + c * (NODE_W + GAP_X), y: 10 + r * (NODE_H + GAP_Y) });
    }
    const items = [];
    for (const edge of edges) {
      const from = position.get(edge.from);
      const to = position.get(edge.to);
      if (!from || !to) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      const group = svg("g", { class: `edge ${edge.satisfied ? "satisfied" : "unsatisfied"}` });
      group.append(svg("path", { d: `M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`, "marker-end": "url(#arrow)" }));
      group.append(svg("text", { x: mid, y: (y1 + y2) / 2 - 4, "text-anchor": "middle" }, edge.condition));
      root.append(group);
      items.push(el("li", {}, `${edge.to} waits for ${edge.from} to be ${edge.condition}: ${edge.satisfied ? "satisfied" : "not satisfied"}`));
    }
    nodes = new Map();
    for (const [name, { x, y }] of position) {
      const group = svg("g", { class: "node", transform: `translate(${x} ${y})` });
      group.append(svg("rect", { width: NODE_W, height: NODE_H, rx: 6 }));
      group.append(svg("text", { x: 10, y: 17, class: "node-name" }, name.length > 22 ? `${name.slice(0, 21)}…` : name));
      group.append(svg("text", { x: 10, y: 32, class: "node-status" }, ""));
      group.append(svg("title", {}, name));
      root.append(group);
      nodes.set(name, group);
    }
    if (edges.length === 0) items.push(el("li", {}, "No agent depends on another."));
    canvas.replaceChildren(root);
    list.replaceChildren(...items);
    paintStatuses();
  }

  return {
    show: load,
    /** Recolours the nodes from a feed frame; edges are re-read when a status changed. */
    update(agents) {
      const next = new Map(agents.map((agent) => [agent.name, agent.status]));
      const changed = [...next].some(([name, status]) => statuses.get(name) !== status);
      statuses = next;
      paintStatuses();
      return changed;
    },
  };
}
