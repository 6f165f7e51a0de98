// Health probes against real things: sh commands, a Bun.listen TCP server, a Bun.serve HTTP server.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureHead, OUTPUT_HEAD_BYTES } from "../../src/orchestrator/health/probe-command.ts";
import { MAX_MESSAGE } from "../../src/orchestrator/health/probe-result.ts";
import { type ProbeContext, runProbe } from "../../src/orchestrator/health/probes.ts";
import { parentDeathPrefix } from "../../src/orchestrator/parent-death.ts";
import { groupMembers, isAlive } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait.ts";

let dir: string;
beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "health-")));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context = (overrides: Partial<ProbeContext> = {}): ProbeContext => ({ timeoutMs: 5_000, cwd: dir, env: {}, ...overrides });
const sh = (script: string) => ({ kind: "command" as const, command: ["sh", "-c", script] });
const anyDuration = expect.any(Number);

/** The pids a script wrote to a file, one per line. */
function pidsIn(file: string): number[] {
  return readFileSync(file, "utf8").trim().split("\n").map(Number);
}

describe("command probe", () => {
  test.concurrent("exit 0 is ready", async () => {
    expect(await runProbe(sh("exit 0"), context())).toEqual({ ok: true, message: "exit 0", durationMs: anyDuration });
  });

  test.concurrent("a failure says the status and the first line of stderr", async () => {
    const result = await runProbe(sh("echo to stdout; printf '\\n  not ready: db down\\nmore\\n' >&2; exit 3"), context());
    expect(result).toEqual({ ok: false, message: "exit 3: not ready: db down", durationMs: anyDuration });
  });

  test.concurrent("stdout stands in when stderr is empty; no output, just the status", async () => {
    expect((await runProbe(sh("echo waiting; exit 1"), context())).message).toBe("exit 1: waiting");
    expect((await runProbe(sh("exit 2"), context())).message).toBe("exit 2");
  });

  test.concurrent("a long first line is cut to the message limit", async () => {
    const { message } = await runProbe(sh(`printf '%0500d' 0 >&2; exit 1`), context());
    expect(message.startsWith("exit 1: 000")).toBe(true);
    expect(message.length).toBe(MAX_MESSAGE);
  });

  test.concurrent("a command killed by a signal is not ready", async () => {
    expect((await runProbe(sh("kill -TERM $$"), context())).message).toBe("killed by SIGTERM");
  });

  test.concurrent("runs in the agent's cwd with the agent's variables over serve's environment", async () => {
    const result = await runProbe(sh(`echo "$(pwd) $PROBE_VAR $HOME" >&2; exit 1`), context({ env: { PROBE_VAR: "from-agent" } }));
    expect(result.message).toBe(`exit 1: ${dir} from-agent ${process.env.HOME}`);
  });

  test.concurrent("a program missing from PATH, an empty command, a missing cwd: results, not throws", async () => {
    expect(await runProbe({ kind: "command", command: ["no-such-program-xyz"] }, context())).toEqual({
      ok: false,
      message: "no such executable: 'no-such-program-xyz'",
      durationMs: anyDuration,
    });
    expect((await runProbe({ kind: "command", command: [] }, context())).message).toBe("empty command");
    const missing = await runProbe(sh("exit 0"), context({ cwd: join(dir, "gone") }));
    expect(missing).toEqual({ ok: false, message: `cannot start in ${join(dir, "gone")}: ENOENT`, durationMs: anyDuration });
  });

  test.concurrent("on timeout the whole group is SIGKILLed and gone before the result", async () => {
    const file = join(dir, "timeout.pids");
    // sh leads the group; the sleep is its child, a member of the same group.
    const result = await runProbe(sh(`sleep 30 & echo $$ $! | tr ' ' '\\n' > ${file}; wait`), context({ timeoutMs: 500 }));
    expect(result).toEqual({ ok: false, message: "timed out after 500ms", durationMs: anyDuration });
    expect(result.durationMs).toBeGreaterThanOrEqual(499);
    const [leader = 0, sleeper = 0] = pidsIn(file);
    expect({ leader: isAlive(leader), sleeper: isAlive(sleeper), group: groupMembers(leader) }).toEqual({
      leader: false,
      sleeper: false,
      group: [],
    });
  });

  test.concurrent("a command that exits leaves nothing running in its group", async () => {
    const file = join(dir, "background.pids");
    const result = await runProbe(sh(`sleep 30 & echo $$ $! | tr ' ' '\\n' > ${file}; exit 0`), context());
    expect(result).toEqual({ ok: true, message: "exit 0", durationMs: anyDuration });
    const [leader = 0, sleeper = 0] = pidsIn(file);
    expect({ sleeper: isAlive(sleeper), group: groupMembers(leader) }).toEqual({ sleeper: false, group: [] });
  });

  test.concurrent("10 MB of output is read through (the command never blocks) but not kept", async () => {
    const result = await runProbe(sh("head -c 10000000 /dev/zero | tr '\\0' x; head -c 10000000 /dev/zero | tr '\\0' y >&2; exit 5"), context());
    expect(result.ok).toBe(false);
    expect(result.message).toBe(`exit 5: ${"y".repeat(MAX_MESSAGE - "exit 5: ".length - 1)}…`);
  });

  test.concurrent("captureHead keeps the first bytes and counts the rest", async () => {
    const child = Bun.spawn(["sh", "-c", "head -c 10000000 /dev/zero | tr '\\0' x"], { stdout: "pipe", stderr: "ignore" });
    const captured = await captureHead(child.stdout, OUTPUT_HEAD_BYTES).done;
    await child.exited;
    expect({ kept: captured.head.length, total: captured.total, allX: captured.head.every((b) => b === 0x78) }).toEqual({
      kept: OUTPUT_HEAD_BYTES,
      total: 10_000_000,
      allX: true,
    });
  });

  // PR_GET_PDEATHSIG (2) asked by the probe's own process: 9 (SIGKILL) behind the default prefix.
  const pdeathsig = `import ctypes,sys; s=ctypes.c_int(); ctypes.CDLL(None).prctl(2, ctypes.byref(s)); print(s.value, file=sys.stderr); sys.exit(1)`;
  test.concurrent.skipIf(parentDeathPrefix().length === 0 || !Bun.which("python3"))("dies with serve: the parent-death prefix by default", async () => {
    expect((await runProbe({ kind: "command", command: ["python3", "-c", pdeathsig] }, context())).message).toBe("exit 1: 9");
    expect((await runProbe({ kind: "command", command: ["python3", "-c", pdeathsig] }, context({ prefix: [] }))).message).toBe("exit 1: 0");
  });
});

describe("tcp probe", () => {
  let closes = 0;
  let server: Bun.TCPSocketListener;
  beforeAll(() => {
    server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, close: () => void closes++ } });
  });
  afterAll(() => server.stop(true));

  test("a listening port is ready, and the connection is closed at once", async () => {
    const before = closes;
    expect(await runProbe({ kind: "tcp", host: "127.0.0.1", port: server.port }, context())).toEqual({
      ok: true,
      message: "connected",
      durationMs: anyDuration,
    });
    await waitFor(() => closes === before + 1, "the server to see the probe's connection closed");
  });

  test("a hostname is resolved", async () => {
    expect((await runProbe({ kind: "tcp", host: "localhost", port: server.port }, context())).ok).toBe(true);
  });

  test("an IPv6 literal, bracketed as in the config or bare", async () => {
    let v6: Bun.TCPSocketListener;
    try {
      v6 = Bun.listen({ hostname: "::1", port: 0, socket: { data() {} } });
    } catch {
      return; // no IPv6 loopback here
    }
    try {
      for (const host of ["[::1]", "::1"]) {
        expect(await runProbe({ kind: "tcp", host, port: v6.port }, context())).toEqual({ ok: true, message: "connected", durationMs: anyDuration });
      }
    } finally {
      v6.stop(true);
    }
  });

  test("a closed port is refused", async () => {
    const gone = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = gone.port;
    gone.stop(true);
    expect(await runProbe({ kind: "tcp", host: "127.0.0.1", port }, context())).toEqual({
      ok: false,
      message: "ECONNREFUSED",
      durationMs: anyDuration,
    });
  });

  test("an unresolvable name and an impossible port are results", async () => {
    expect((await runProbe({ kind: "tcp", host: "no-such-host.invalid", port: 80 }, context())).ok).toBe(false);
    expect((await runProbe({ kind: "tcp", host: "127.0.0.1", port: 70_000 }, context())).ok).toBe(false);
  });

  // A listener that never accepts, with its queue full, leaves a connect hanging: the probe times out.
  test.skipIf(!Bun.which("python3"))("a connect that hangs times out", async () => {
    const holder = Bun.spawn(
      [
        "python3",
        "-c",
        "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)",
      ],
      { stdout: "pipe", stderr: "ignore" },
    );
    try {
      const port = await firstLineNumber(holder.stdout);
      // Each connection that completes waits in the accept queue, closed or not; once it is full, a connect hangs.
      const results = [];
      for (let attempt = 0; attempt < 16; attempt++) {
        const result = await runProbe({ kind: "tcp", host: "127.0.0.1", port }, context({ timeoutMs: 300 }));
        results.push(result.message);
        if (!result.ok) break;
      }
      expect(results.at(-1)).toBe("timed out after 300ms");
      expect(results.slice(0, -1).every((message) => message === "connected")).toBe(true);
    } finally {
      holder.kill("SIGKILL");
      await holder.exited;
    }
  });
});

/** The number a helper prints on its first line. */
async function firstLineNumber(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const read = await reader.read();
    if (read.done) break;
    text += new TextDecoder().decode(read.value);
  }
  reader.releaseLock();
  return Number(text.split("\n")[0]);
}

describe("http probe", () => {
  const hits = new Map<string, number>();
  let server: ReturnType<typeof Bun.serve>;
  const hang = Promise.withResolvers<Response>();
  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        const path = new URL(request.url).pathname;
        hits.set(path, (hits.get(path) ?? 0) + 1);
        switch (path) {
          case "/ok":
            return new Response("fine");
          case "/empty":
            return new Response(null, { status: 204 });
          case "/fail":
            return new Response("broken", { status: 500 });
          case "/redirect":
            return Response.redirect("/ok", 302);
          case "/slow":
            return hang.promise;
          case "/endless":
            // A 200 whose body never ends: the probe must not read it.
            return new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(65_536)) }));
          default:
            return new Response("no", { status: 404 });
        }
      },
    });
  });
  afterAll(() => {
    hang.resolve(new Response("late"));
    server.stop(true);
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  test.concurrent("2xx is ready", async () => {
    expect(await runProbe({ kind: "http", url: url("/ok") }, context())).toEqual({ ok: true, message: "HTTP 200", durationMs: anyDuration });
    expect((await runProbe({ kind: "http", url: url("/empty") }, context())).message).toBe("HTTP 204");
  });

  test.concurrent("5xx and 4xx are not", async () => {
    expect(await runProbe({ kind: "http", url: url("/fail") }, context())).toEqual({ ok: false, message: "HTTP 500", durationMs: anyDuration });
    expect((await runProbe({ kind: "http", url: url("/missing") }, context())).message).toBe("HTTP 404");
  });

  test("a redirect is not followed and not ready", async () => {
    const before = hits.get("/ok") ?? 0;
    expect(await runProbe({ kind: "http", url: url("/redirect") }, context())).toEqual({
      ok: false,
      message: "HTTP 302 (redirects are not followed)",
      durationMs: anyDuration,
    });
    expect(hits.get("/ok") ?? 0).toBe(before);
  });

  test.concurrent("an endless body is not read", async () => {
    expect(await runProbe({ kind: "http", url: url("/endless") }, context({ timeoutMs: 2_000 }))).toEqual({
      ok: true,
      message: "HTTP 200",
      durationMs: anyDuration,
    });
  });

  test.concurrent("an endpoint that never answers times out", async () => {
    const result = await runProbe({ kind: "http", url: url("/slow") }, context({ timeoutMs: 300 }));
    expect(result).toEqual({ ok: false, message: "timed out after 300ms", durationMs: anyDuration });
    expect(result.durationMs).toBeGreaterThanOrEqual(299);
  });

  test.concurrent("a closed port is refused; a malformed URL is a result", async () => {
    const gone = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = gone.port;
    gone.stop(true);
    expect((await runProbe({ kind: "http", url: `http://127.0.0.1:${port}/` }, context())).message).toBe("ECONNREFUSED");
    expect((await runProbe({ kind: "http", url: "not a url" }, context())).ok).toBe(false);
  });
});

describe("runProbe", () => {
  test("an unknown kind is a result, not a throw", async () => {
    const spec = { kind: "udp" } as unknown as Parameters<typeof runProbe>[0];
    expect(await runProbe(spec, context())).toEqual({ ok: false, message: "unknown probe kind 'udp'", durationMs: anyDuration });
  });
});
