// A validation error or warning line taken apart for scripts (`validate --json`): every line about a
// key starts with its key path and ": " (schema.ts's fail, segment); file-level lines (unreadable,
// TOML syntax) start with the file's absolute path instead, and keep their whole text.

export interface Problem {
  /** `agents.A.execution_interval`, `agents."bad name"`, `agents.A.command[0]`; null for the file as a whole. */
  path: string | null;
  /** The text after the path, or the whole line when there is no key path. */
  message: string;
}

/**
 * Bare characters (segment() leaves dots in a bare key), JSON-quoted segments and `[n]` indexes,
 * each told apart by its first character, so a line that is not a key path fails in linear time.
 */
const KEY_PATH = /^((?:[A-Za-z0-9_.-]|"(?:[^"\\]|\\.)*"|\[\d+\])+): ([\s\S]*)$/;

export function splitProblem(line: string): Problem {
  const match = KEY_PATH.exec(line);
  return match ? { path: match[1] as string, message: match[2] as string } : { path: null, message: line };
}
