// The [http] table (compiled binary): `validate` names every problem by its key path, serve
// refuses to start when it cannot bind, and a reload that changes [http] says it needs a restart.

import { expect, test } from "bun:test";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ReloadData } from "../../src/protocol/commands.ts";
import { agent, sh } from "../helpers/agents-toml.ts";
import { cli } from "../helpers/cli.ts";
import { serveHttp, TOKEN } from "../helpers/http.ts";
import { BINARY, tempDir } from "../helpers/serve.ts";
import { concurrent } from "../helpers/slots.ts";

const AGENTS = agent("Worker", { command: sh("trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done") });

/** `validate` of a config whose [http] table is `http`, in a folder holding the given files (name → [content, mode]). */
async function validate(http: string, files: Record<string, [string, number]> = {}) {
  const dir = tempDir();
  try {
    for (const [name, [content, mode]] of Object.entries(files)) {
      writeFileSync(join(dir, name), content);
      chmodSync(join(dir, name), mode);
    }
    writeFileSync(join(dir, "pyorchestrate.toml"), `[orchestrator]\ncommand_socket_path = "${dir}/s.sock"\n\n[http]\n${http}\n\n${AGENTS}`);
    const ran = await cli(["validate", join(dir, "pyorchestrate.toml")]);
    return {
      code: ran.code,
      errors: ran.stderr
        .split("\n")
        .filter((line) => line.startsWith("✗ "))
        .map((line) => line.slice(2).replaceAll(dir, "DIR")),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.concurrent("validate accepts a loopback listener without a token, and any address with one", async () => {
  expect(await validate('listen = "127.0.0.1:9180"')).toEqual({ code: 0, errors: [] });
  expect(await validate('listen = "[::1]:9180"\nmetrics_public = false')).toEqual({ code: 0, errors: [] });
  expect(await validate('listen = "0.0.0.0:9180"\ntoken_file = "token"', { token: [`${TOKEN}\n`, 0o600] })).toEqual({ code: 0, errors: [] });
  // No listen: no HTTP at all.
  expect(await validate("metrics_public = true")).toEqual({ code: 0, errors: [] });
});

test.concurrent("validate names each problem of [http] by its key path", async () => {
  expect(await validate('listen = "9180"\nlisen = 1\nmetrics_public = "yes"')).toEqual({
    code: 1,
    errors: [
      "http.lisen: unknown key (did you mean 'listen'?)",
      'http.metrics_public: must be true or false (got string "yes")',
      'http.listen: must be "host:port", such as "127.0.0.1:9180" or "[::1]:9180" (got string "9180")',
    ],
  });
  expect(await validate('listen = "0.0.0.0:9180"')).toEqual({
    code: 1,
    errors: [
      'http.listen: without token_file the listener must be on a loopback address (127.0.0.1, [::1] or localhost) (got string "0.0.0.0:9180"); set http.token_file to listen elsewhere',
    ],
  });
  expect(await validate('listen = "127.0.0.1:70000"')).toMatchObject({ code: 1, errors: [expect.stringMatching(/^http\.listen: must be "host:port"/)] });
  expect(await validate('listen = "127.0.0.1:9180"\ntoken_file = "token"', { token: [`${TOKEN}\n`, 0o644] })).toEqual({
    code: 1,
    errors: ["http.token_file: DIR/token may be read by group or others (mode 0644); run: chmod 600 DIR/token"],
  });
  expect(await validate('listen = "127.0.0.1:9180"\ntoken_file = "absent"')).toEqual({
    code: 1,
    errors: ["http.token_file: cannot read DIR/absent (no such file)"],
  });
  expect(await validate('listen = "127.0.0.1:9180"\ntoken_file = "token"', { token: ["short\n", 0o600] })).toMatchObject({
    code: 1,
    errors: [expect.stringMatching(/^http\.token_file: DIR\/token must hold one token of at least 16 printable characters/)],
  });
});

concurrent("serve refuses to start (exit 1, nothing started) when the HTTP address is taken", async () => {
  using taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
  const dir = tempDir();
  try {
    writeFileSync(
      join(dir, "pyorchestrate.toml"),
      `[orchestrator]\ncommand_socket_path = "${dir}/s.sock"\n\n[http]\nlisten = "127.0.0.1:${taken.port}"\n\n${AGENTS}`,
    );
    const proc = Bun.spawn([BINARY, "serve", join(dir, "pyorchestrate.toml")], { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot open the HTTP listener on 127.0.0.1:${taken.port}`);
    expect(stderr).not.toContain("Worker started");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

concurrent("a reload that changes [http] keeps the running listener and says it needs a restart", async () => {
  await using http = await serveHttp(AGENTS);
  const table = `[http]\nlisten = "127.0.0.1:0"\ntoken_file = "token"\nmetrics_public = true\n\n`;
  http.served.rewrite(`${table}${AGENTS}`);
  const reloaded = (await http.served.data("reload")) as ReloadData;
  expect(reloaded.requires_restart).toEqual(["http"]);
  // Still the listener serve started with: /metrics still needs the token.
  expect((await http.fetch("/metrics", { token: null })).status).toBe(401);
});
