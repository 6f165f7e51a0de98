// The arrows between the folders of src/ (CONVENTIONS.md, "The shape of the house"), read from every
// import in src/**/*.ts: static ones (type-only included) and dynamic import("…"). A failure names
// the importing file and the import.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

interface Import {
  /** Importing file, relative to the repository: src/cli/root.ts */
  file: string;
  /** As written: ../protocol/commands.ts, citty, node:fs */
  specifier: string;
  /** The imported file (relative to the repository) for a relative specifier, else null. */
  target: string | null;
  /** Erased at run time: `import type …`, `export type … from`, or only `type` names in braces. */
  typeOnly: boolean;
}

/** `import … from "x"`, `import "x"`, `export … from "x"` (statements start a line; comments do not). */
const STATIC_IMPORT = /^[ \t]*(?:import|export)\b(?:([^;"'`]*?)\bfrom)?\s*["']([^"']+)["']/gm;

function isTypeOnly(clause: string): boolean {
  if (/^\s*type\b/.test(clause)) return true;
  const names = /^\s*\{([^}]*)\}\s*$/
    .exec(clause)?.[1]
    ?.split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return names !== undefined && names.length > 0 && names.every((name) => name.startsWith("type "));
}

const transpiler = new Bun.Transpiler({ loader: "ts" });

function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  // specifier → type-only (a module imported both ways counts as a value import).
  const specifiers = new Map<string, boolean>();
  const add = (specifier: string, typeOnly: boolean) => specifiers.set(specifier, (specifiers.get(specifier) ?? true) && typeOnly);
  for (const match of text.matchAll(STATIC_IMPORT)) {
    add(match[2] as string, isTypeOnly(match[1] ?? ""));
  }
  // The transpiler sees dynamic imports as code does: none from comments or strings.
  for (const found of transpiler.scanImports(text.replace(/^#!.*/, ""))) if (found.kind === "dynamic-import") add(found.path, false);
  return [...specifiers].map(([specifier, typeOnly]) => ({
    file,
    specifier,
    target: specifier.startsWith(".") ? relative(ROOT, resolve(dirname(join(ROOT, file)), specifier)) : null,
    typeOnly,
  }));
}

const FILES = [...new Bun.Glob("src/**/*.ts").scanSync(ROOT)].sort();
const IMPORTS = FILES.flatMap(importsOf);

const within = (path: string | null, folder: string) => path !== null && (path === folder || path.startsWith(`${folder}/`));
const show = (i: Import) => `${i.file}: import "${i.specifier}"`;

/**
 * Cases inside src/orchestrator/ that its rewrite (issue 10, points 1-2) is expected to remove;
 * each entry is `file: import "specifier"` as the test reports it. Empty: none are known now.
 */
const KNOWN_ORCHESTRATOR_EXCEPTIONS: readonly string[] = [];

function violations(rule: (i: Import) => boolean): string[] {
  return IMPORTS.filter(rule)
    .map(show)
    .filter((line) => !KNOWN_ORCHESTRATOR_EXCEPTIONS.includes(line));
}

describe("the arrows of src/ point one way", () => {
  test("the scan sees the codebase (imports are found at all)", () => {
    expect(FILES).toContain("src/main.ts");
    expect(IMPORTS.some((i) => i.file === "src/main.ts" && i.target === "src/cli/root.ts")).toBe(true);
    // A dynamic import is an arrow too: the root's lazy command loaders.
    expect(IMPORTS.some((i) => i.file === "src/cli/root.ts" && i.target === "src/cli/commands/ps.ts")).toBe(true);
    const fromErrors = (file: string) => IMPORTS.find((i) => i.file === file && i.target === "src/protocol/errors.ts")?.typeOnly;
    expect([fromErrors("src/orchestrator/errors.ts"), fromErrors("src/cli/run.ts")]).toEqual([true, false]);
  });

  test("no import cycles", () => {
    expect(cycles()).toEqual([]);
  });

  test("config/ imports nothing from orchestrator/, server/, cli/ or client/", () => {
    const outward = ["src/orchestrator", "src/server", "src/cli", "src/client"];
    expect(violations((i) => within(i.file, "src/config") && outward.some((folder) => within(i.target, folder)))).toEqual([]);
  });

  test("protocol/ imports nothing outside protocol/ and uses no Bun API", () => {
    expect(violations((i) => within(i.file, "src/protocol") && !within(i.target, "src/protocol"))).toEqual([]);
    const bunUse = FILES.filter((file) => within(file, "src/protocol")).flatMap((file) =>
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, n) => (/\bBun\.|["']bun(:[a-z]+)?["']/.test(line) ? [`${file}:${n + 1}: ${line.trim()}`] : [])),
    );
    expect(bunUse).toEqual([]);
  });

  test("cli/ imports config/ only in the offline commands (validate, serve)", () => {
    const offline = ["src/cli/commands/validate.ts", "src/cli/commands/serve.ts"];
    expect(violations((i) => within(i.file, "src/cli") && !offline.includes(i.file) && within(i.target, "src/config"))).toEqual([]);
  });

  test("nothing imports cli/ but src/main.ts (and cli/ itself)", () => {
    expect(violations((i) => i.file !== "src/main.ts" && !within(i.file, "src/cli") && within(i.target, "src/cli"))).toEqual([]);
  });

  test("orchestrator/ imports nothing from server/, cli/ or client/", () => {
    const outward = ["src/server", "src/cli", "src/client"];
    expect(violations((i) => within(i.file, "src/orchestrator") && outward.some((folder) => within(i.target, folder)))).toEqual([]);
  });

  test("orchestrator/ takes only types from protocol/", () => {
    expect(violations((i) => within(i.file, "src/orchestrator") && within(i.target, "src/protocol") && !i.typeOnly)).toEqual([]);
  });

  test("common/ imports nothing from the rest of src/", () => {
    expect(violations((i) => within(i.file, "src/common") && i.target !== null && !within(i.target, "src/common"))).toEqual([]);
  });
});

/** One line per cycle, `a.ts → b.ts → a.ts`, found by depth-first search over file-to-file imports. */
function cycles(): string[] {
  const edges = new Map<string, string[]>();
  for (const i of IMPORTS) if (i.target !== null && FILES.includes(i.target)) edges.set(i.file, [...(edges.get(i.file) ?? []), i.target]);
  const found = new Set<string>();
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "open") {
        const loop = [...path.slice(path.indexOf(next)), next].join(" → ");
        if (!KNOWN_ORCHESTRATOR_EXCEPTIONS.includes(loop)) found.add(loop);
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of FILES) if (!state.has(file)) visit(file);
  return [...found];
}
