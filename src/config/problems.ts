// A validation error or warning line taken apart for scripts (`validate --json`): every line about a
// key starts with its key path and ": " (schema.ts's fail, segment); file-level lines (unreadable,
// TOML syntax) start with the file's absolute path instead, and keep their whole text.

export interface Problem {
  /** `agents.A.execution_interval`, `agents."bad name"`, `agents.A.command[0]`; null for the file as a whole. */
  path: string | null;
  /** The text after the path, or the whole line when there is no key path. */
  message: string;
}

const BARE = /[A-Za-z0-9_.-]/;

/**
 * Where the key path at the start of `line` ends (0: none), read once from left to right: bare
 * characters (segment() leaves dots in a bare key), JSON-quoted segments and `[n]` indexes, each
 * told apart by its first character. Each character is looked at once: no backtracking on a long line.
 */
function keyPathEnd(line: string): number {
  let i = 0;
  while (i < line.length) {
    const char = line[i] as string;
    if (BARE.test(char)) i++;
    else if (char === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      if (j >= line.length) return 0;
      i = j + 1;
    } else if (char === "[") {
      let j = i + 1;
      while (j < line.length && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
      if (j === i + 1 || line[j] !== "]") return 0;
      i = j + 1;
    } else break;
  }
  return i;
}

export function splitProblem(line: string): Problem {
  const end = keyPathEnd(line);
  return end > 0 && line.startsWith(": ", end) ? { path: line.slice(0, end), message: line.slice(end + 2) } : { path: null, message: line };
}
