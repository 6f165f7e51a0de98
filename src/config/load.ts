// Reads a TOML config file and validates it; I/O and syntax errors become error lines too.

import { resolve } from "node:path";
import { tomlErrorPosition } from "./toml-position.ts";
import { type LoadResult, validateConfig } from "./validate.ts";

export type { LoadResult } from "./validate.ts";

export async function loadConfig(path: string): Promise<LoadResult> {
  const file = resolve(path);
  let text: string;
  try {
    text = await Bun.file(file).text();
  } catch (error) {
    return { ok: false, errors: [`${file}: cannot read config file (${readFailure(error)})`] };
  }
  let raw: unknown;
  try {
    raw = Bun.TOML.parse(text);
  } catch (error) {
    // Bun.TOML.parse reports no line or column: toml-position.ts finds them, as an editor jumps to `file:line:column`.
    const message = (error instanceof Error ? error.message : String(error)).replace(/^TOML Parse error:\s*/, "");
    const at = await tomlErrorPosition(file);
    return { ok: false, errors: [`${file}${at ? `:${at.line}:${at.column}` : ""}: TOML syntax error: ${message}`] };
  }
  return validateConfig(raw, file);
}

function readFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}
