// The README's shell sessions, read as an operator reads them: code blocks of `$ command` lines,
// each followed by what it prints, and the ```json block right after one (the envelopes those
// commands print when piped). Also the Quick start's walkthrough of the bundled example: a block
// of `./build/pyorchestrate …` lines that shows no output.

/** One command of a session, as the README writes it (without the `$ `), and what it shows printed. */
export interface Shown {
  /** 1-based line of the command in the README. */
  line: number;
  command: string;
  output: string[];
}

export interface JsonExample {
  /** 1-based line of the ```json fence. */
  line: number;
  values: unknown[];
}

export interface Session {
  /** 1-based line of the opening fence. */
  line: number;
  /** False for a block of commands without their output (the Quick start's walkthrough). */
  showsOutput: boolean;
  commands: Shown[];
  json: JsonExample | null;
}

interface Fence {
  /** 1-based line of the opening ``` line, and of the closing one. */
  line: number;
  end: number;
  lang: string;
  body: string[];
}

/** Every fenced code block, in order. */
export function fences(text: string): Fence[] {
  const lines = text.split("\n");
  const found: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const close = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (close === -1) throw new Error(`README: the code block opened at line ${i + 1} is never closed`);
    found.push({ line: i + 1, end: close + 1, lang: open[1] ?? "", body: lines.slice(i + 1, close) });
    i = close;
  }
  return found;
}

/**
 * The README's sessions, in order, each with the ```json block that follows it (if any): the next
 * code block, with nothing but prose between them and no heading.
 */
export function sessions(text: string): Session[] {
  const blocks = fences(text);
  const lines = text.split("\n");
  const found: Session[] = [];
  blocks.forEach((block, index) => {
    const session = asSession(block);
    if (!session) return;
    const next = blocks[index + 1];
    const between = next ? lines.slice(block.end, next.line - 1) : [];
    if (next && next.lang === "json" && !between.some((line) => /^#+ /.test(line))) {
      session.json = { line: next.line, values: jsonValues(next.body.join("\n"), next.line) };
    }
    found.push(session);
  });
  return found;
}

function asSession(block: Fence): Session | null {
  const body = block.body;
  const firstLine = body.find((line) => line.trim() !== "");
  if (firstLine?.startsWith("$ ")) {
    const commands: Shown[] = [];
    body.forEach((line, i) => {
      if (line.startsWith("$ ")) commands.push({ line: block.line + 1 + i, command: line.slice(2).trim(), output: [] });
      else commands.at(-1)?.output.push(line);
    });
    for (const shown of commands) while (shown.output.at(-1)?.trim() === "") shown.output.pop();
    return { line: block.line, showsOutput: true, commands, json: null };
  }
  const walkthrough = body.filter((line) => line.trim() !== "");
  if (walkthrough.length > 0 && walkthrough.every((line) => line.startsWith("./build/pyorchestrate "))) {
    const commands = body.map((line, i) => ({ line: block.line + 1 + i, command: line.trim(), output: [] })).filter((shown) => shown.command !== "");
    return { line: block.line, showsOutput: false, commands, json: null };
  }
  return null;
}

/** The JSON values of a block that may hold several one after the other (`{…}\n{…}`). */
export function jsonValues(text: string, line = 0): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{" || char === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if (char === "}" || char === "]") {
      depth--;
      if (depth === 0) {
        const piece = text.slice(start, i + 1);
        try {
          values.push(JSON.parse(piece));
        } catch (error) {
          throw new Error(`README: the json block at line ${line} does not parse: ${(error as Error).message}\n${piece}`);
        }
      }
    }
  }
  return values;
}
