// Reads a TOML config file and validates it; I/O and syntax errors become error lines too.

import { resolve } from "node:path";
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
    // Bun's parser reports no line or column; its message is all there is to show.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [`${file}: TOML syntax error: ${message.replace(/^TOML Parse error:\s*/, "")}`] };
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
