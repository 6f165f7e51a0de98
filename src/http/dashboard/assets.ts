// The dashboard's scripts and style, embedded in the binary (imported as text): served under
// /assets/ by name. The browser modules import each other by these names ("./util.js").

import agents from "./agents.browser.js" with { type: "text" };
import api from "./api.browser.js" with { type: "text" };
import base from "./base.css" with { type: "text" };
import events from "./events.browser.js" with { type: "text" };
import graph from "./graph.browser.js" with { type: "text" };
import logs from "./logs.browser.js" with { type: "text" };
import main from "./main.browser.js" with { type: "text" };
import sparkline from "./sparkline.browser.js" with { type: "text" };
import panes from "./panes.css" with { type: "text" };
import table from "./table.css" with { type: "text" };
import util from "./util.browser.js" with { type: "text" };

const JS = "text/javascript; charset=utf-8";

const ASSETS: ReadonlyMap<string, { type: string; body: string }> = new Map([
  ["main.js", { type: JS, body: main }],
  ["api.js", { type: JS, body: api }],
  ["agents.js", { type: JS, body: agents }],
  ["logs.js", { type: JS, body: logs }],
  ["events.js", { type: JS, body: events }],
  ["graph.js", { type: JS, body: graph }],
  ["sparkline.js", { type: JS, body: sparkline }],
  ["util.js", { type: JS, body: util }],
  ["base.css", { type: "text/css; charset=utf-8", body: base }],
  ["table.css", { type: "text/css; charset=utf-8", body: table }],
  ["panes.css", { type: "text/css; charset=utf-8", body: panes }],
]);

/** The asset of that name, or null. */
export function asset(name: string): Response | null {
  const found = ASSETS.get(name);
  if (!found) return null;
  return new Response(found.body, { headers: { "Content-Type": found.type, "Cache-Control": "no-cache" } });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
