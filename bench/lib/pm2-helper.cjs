// A long-lived pm2 client for bench/run.ts (Node, pm2's own Client over its RPC socket), so the
// bench can poll pm2's process list as often as it likes without starting a Node CLI each time.
//
//   PM2_HOME=<dir> node pm2-helper.cjs <pm2 package dir>
//
// One JSON request per stdin line ({"op":"list"}); one answer per stdout line, prefixed "@@" so
// anything pm2 itself prints is told apart. It never starts a daemon: it waits until one answers.

"use strict";
const path = require("node:path");
const readline = require("node:readline");

const Client = require(path.join(process.argv[2], "lib", "Client.js"));
const client = new Client({});
let connected = null;

function ping() {
  return new Promise((resolve) => client.pingDaemon((alive) => resolve(alive === true)));
}

async function connect() {
  // pingDaemon only looks; Client.start() would launch a daemon of its own when none answers.
  while (!(await ping())) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve, reject) => client.launchRPC((error) => (error ? reject(error) : resolve())));
}

function list() {
  return new Promise((resolve, reject) =>
    client.executeRemote("getMonitorData", {}, (error, processes) => {
      if (error) return reject(error);
      resolve(processes.map((p) => ({ name: p.name, status: p.pm2_env.status, pid: p.pid ?? p.pm2_env.pid ?? 0 })));
    }),
  );
}

const answer = (value) => process.stdout.write(`@@${JSON.stringify(value)}\n`);

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  try {
    const request = JSON.parse(line);
    connected ??= connect();
    await connected;
    if (request.op === "list") answer({ ok: true, processes: await list() });
    else answer({ ok: false, error: `unknown op ${request.op}` });
  } catch (error) {
    answer({ ok: false, error: String(error?.message ? error.message : error) });
  }
});
process.stdin.on("end", () => process.exit(0));
