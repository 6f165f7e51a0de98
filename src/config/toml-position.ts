// Where in a TOML file a syntax error is. Bun.TOML.parse says what is wrong but not where; Bun's
// module loader parses with the same parser and reports line and column, so a file that failed
// to parse is loaded once more that way, only to learn the position.

export interface SyntaxPosition {
  line: number;
  column: number;
}

let attempt = 0;

/** The 1-based line and column of the first syntax error in the TOML file at `file`; null if unknown. */
export async function tomlErrorPosition(file: string): Promise<SyntaxPosition | null> {
  try {
    // A fresh specifier each time: the loader caches modules by it, and a reload reads an edited file.
    await import(`${file}?syntax-check=${++attempt}`, { with: { type: "toml" } });
    return null;
  } catch (error) {
    const position = (error as { position?: { line?: unknown; column?: unknown } } | null)?.position;
    if (typeof position?.line !== "number" || typeof position.column !== "number") return null;
    return { line: position.line, column: position.column };
  }
}
