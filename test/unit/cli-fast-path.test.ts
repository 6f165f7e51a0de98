// The client's fast path (README, Performance): what `--version` and every runtime command load
// at start-up. Their static imports (type-only ones are erased) may reach no package and no node:
// or bun: module: citty's parser costs ~15 ms (node:util), node:tty ~20 ms, consola, sqlite and the
// rest more; a command that needs one imports it dynamically, where it needs it. And no file on
// that path touches process.stdout or process.stderr (Node's stream layer, ~18 ms): cli/output.ts
// writes. No timing is asserted here; bench/lib/cli-floor.ts measures.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { COMMAND_TABLE } from "../../src/protocol/command-table.ts";

const ROOT = resolve(import.meta.dir, "../..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** The files a module's static imports reach (itself included) and the packages/built-ins they name. */
function closure(file: string, files = new Set<string>(), external = new Map<string, string>()) {
  if (files.has(file) || !file.endsWith(".ts")) return { files, external };
  files.add(file);
  const text = readFileSync(join(ROOT, file), "utf8").replace(/^#!.*/, "");
  for (const found of transpiler.scanImports(text)) {
    if (found.kind !== "import-statement") continue;
    if (found.path.startsWith(".")) closure(relative(ROOT, resolve(dirname(join(ROOT, file)), found.path)), files, external);
    else external.set(found.path, file);
  }
  return { files, external };
}

/** `stats --watch` on a terminal redraws through the tty stream: it needs its size and resize events. */
const TERMINAL_SCREEN = new Set(["src/cli/commands/stats.ts", "src/cli/watch-screen.ts"]);

const ENTRIES = ["src/main.ts", "src/cli/root.ts", ...Object.keys(COMMAND_TABLE).map((name) => `src/cli/commands/${name}.ts`)];

describe("the client's fast path loads nothing it does not use", () => {
  test.each(ENTRIES)("%s: no package or node:/bun: module among its static imports", (entry) => {
    const { external } = closure(entry);
    expect([...external].map(([specifier, from]) => `${from}: import "${specifier}"`)).toEqual([]);
  });

  test.each(ENTRIES)("%s: no process.stdout/process.stderr on its path (cli/output.ts writes)", (entry) => {
    const { files } = closure(entry);
    const code = (file: string) => readFileSync(join(ROOT, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    const touching = [...files].filter((file) => !TERMINAL_SCREEN.has(file) && /process\.std(out|err)\b/.test(code(file)));
    expect(touching).toEqual([]);
  });

  // Offline commands too (validate, export, notify, serve's front): one writer, ordered, EPIPE-quiet.
  test("every client write goes through cli/output.ts", () => {
    const files = [...new Bun.Glob("src/cli/**/*.ts").scanSync(ROOT)].filter((file) => file !== "src/cli/output.ts");
    expect(files.length).toBeGreaterThan(20);
    const writing = files.filter((file) => /process\.std(out|err)\.write\b|console\.(log|error|warn|info)\b/.test(readFileSync(join(ROOT, file), "utf8")));
    expect(writing).toEqual([]);
  });

  test("the scan sees imports at all", () => {
    const { files } = closure("src/cli/commands/ps.ts");
    expect(files.has("src/client/connection.ts")).toBe(true);
    expect(files.has("src/cli/output.ts")).toBe(true);
  });
});
