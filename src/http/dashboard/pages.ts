// The dashboard's two HTML pages: the login form and the app shell the browser scripts fill in.
// No inline script or style (the Content-Security-Policy allows only /assets/).

import { escapeHtml } from "./assets.ts";

const STATUSES = ["running", "starting", "waiting", "backoff", "stopping", "stopped", "completed", "failed"];

function head(title: string, scripts: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/base.css">
${scripts ? '<link rel="stylesheet" href="/assets/table.css">\n<link rel="stylesheet" href="/assets/panes.css">\n' : ""}<link rel="icon" href="data:,">
${scripts ? '<script type="module" src="/assets/main.js"></script>\n' : ""}</head>`;
}

export function loginPage(name: string, error: string | null): string {
  return `${head(`Log in · ${name}`, false)}
<body class="login">
<main id="main" class="login-box">
<h1><span class="brand">pyorchestrate</span> ${escapeHtml(name)}</h1>
<form method="post" action="/login">
<label for="token">Token <span class="hint">(the content of [http] token_file)</span></label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus spellcheck="false">
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : ""}<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`;
}

/** `signedIn`: a token guards this listener, so there is a session to end. */
export function indexPage(name: string, signedIn: boolean): string {
  const columns: [string, string][] = [
    ["name", "Name"],
    ["status", "Status"],
    ["pid", "PID"],
    ["uptime_seconds", "Uptime"],
    ["restarts", "Restarts"],
    ["cpu_percent", "CPU"],
    ["memory_bytes", "Memory"],
    ["health", "Health"],
    ["next_run", "Next run"],
  ];
  const headers = columns
    .map(
      ([key, label]) =>
        `<th scope="col" role="columnheader" data-key="${key}"${key === "name" ? ' aria-sort="ascending"' : ""}><button type="button">${label}</button></th>`,
    )
    .join("");
  const statusOptions = STATUSES.map((status) => `<option value="${status}">${status}</option>`).join("");
  return `${head(`${name} · pyorchestrate`, true)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<h1><span class="brand">pyorchestrate</span> <span id="orchestrator-name">${escapeHtml(name)}</span></h1>
<p id="connection" class="connection" role="status">Connecting…</p>
${signedIn ? '<form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form>\n' : '<p class="readonly">Read-only (no token)</p>\n'}</header>
<nav class="tabs" aria-label="Views">
<a href="#agents" data-view="agents">Agents</a>
<a href="#logs" data-view="logs">Logs</a>
<a href="#events" data-view="events">Events</a>
<a href="#graph" data-view="graph">Dependencies</a>
</nav>
<main id="main">
<section id="agents" class="view" aria-labelledby="agents-title">
<h2 id="agents-title">Agents <span id="agent-counts" class="counts"></span></h2>
<div class="toolbar">
<label>Filter <input id="agent-filter" type="search" placeholder="agent name" autocomplete="off"></label>
<label>Status <select id="status-filter"><option value="">any</option>${statusOptions}</select></label>
</div>
<div class="table-wrap">
<table id="agents-table" role="table">
<caption class="sr-only">Agents, updated live. Column buttons sort.</caption>
<thead role="rowgroup"><tr role="row">${headers}<th scope="col" role="columnheader" class="col-actions"><span class="sr-only">Actions</span></th></tr></thead>
<tbody role="rowgroup"></tbody>
</table>
</div>
</section>
<section id="logs" class="view" aria-labelledby="logs-title" hidden>
<h2 id="logs-title">Logs</h2>
<div class="toolbar">
<label>Agent <select id="log-agent"><option value="">All agents, merged</option></select></label>
<label class="check"><input id="log-stdout" type="checkbox" checked> stdout</label>
<label class="check"><input id="log-stderr" type="checkbox" checked> stderr</label>
<label class="check"><input id="log-follow" type="checkbox" checked> Follow</label>
<label>Search <input id="log-search" type="search" autocomplete="off"></label>
<button id="log-copy" type="button">Copy</button>
</div>
<p id="log-note" class="note" role="status"></p>
<pre id="log-text" class="log" tabindex="0" aria-label="Log lines"></pre>
</section>
<section id="events" class="view" aria-labelledby="events-title" hidden>
<h2 id="events-title">Events</h2>
<div class="toolbar">
<label>Agent <select id="event-agent"><option value="">any</option></select></label>
<label>Severity <select id="event-severity"><option value="">any</option><option>INFO</option><option>WARNING</option><option>ERROR</option></select></label>
<label>Type <input id="event-type" type="search" placeholder="e.g. AGENT_FAILED" autocomplete="off"></label>
</div>
<ol id="event-list" class="timeline" aria-label="Events, newest first"></ol>
</section>
<section id="graph" class="view" aria-labelledby="graph-title" hidden>
<h2 id="graph-title">Dependencies</h2>
<p class="note">Arrows run from a provider to the agent that waits for it; a dashed arrow is not satisfied now.</p>
<div id="graph-canvas" class="graph"></div>
<ul id="graph-list" class="sr-only"></ul>
</section>
</main>
<dialog id="confirm" aria-labelledby="confirm-title">
<form method="dialog">
<h2 id="confirm-title">Stop agent?</h2>
<p id="confirm-text"></p>
<div class="buttons"><button value="cancel" type="submit" autofocus>Cancel</button> <button value="confirm" type="submit" class="danger">Stop</button></div>
</form>
</dialog>
<div id="toast" class="toast" role="alert"></div>
</body>
</html>
`;
}
