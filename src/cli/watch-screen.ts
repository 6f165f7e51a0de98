// A terminal redrawn in place, as `docker stats` does: cursor hidden while watching, each frame
// drawn from the top-left corner over the last one, the cursor given back on the way out.

export const ANSI = {
  hideCursor: "\u001b[?25l",
  showCursor: "\u001b[?25h",
  clearScreen: "\u001b[2J",
  home: "\u001b[H",
  /** Erases the rest of the line, so a shorter line leaves nothing of the longer one before it. */
  clearLineEnd: "\u001b[K",
  /** Erases everything below the cursor, for a frame with fewer lines than the last one. */
  clearBelow: "\u001b[J",
} as const;

export interface WatchScreen {
  /** Columns and rows to fit a frame into. */
  size(): { columns: number; rows: number };
  draw(text: string): void;
  /** Shows the cursor again, below the last frame; later draws are ignored. Safe to call twice. */
  restore(): void;
}

/** The bytes that replace what is on screen with `text`. */
export function redraw(text: string): string {
  const lines = text.split("\n").map((line) => line + ANSI.clearLineEnd);
  return ANSI.home + lines.join("\n") + ANSI.clearBelow;
}

/** Takes over a terminal: clears it and hides the cursor until `restore`. */
export function openScreen(stream: NodeJS.WriteStream): WatchScreen {
  let open = true;
  stream.write(ANSI.hideCursor + ANSI.clearScreen + ANSI.home);
  // Whatever ends the process (an uncaught bug included), the user gets a cursor back.
  const onExit = () => screen.restore();
  process.once("exit", onExit);
  const screen: WatchScreen = {
    size: () => ({ columns: stream.columns || 80, rows: stream.rows || 24 }),
    draw(text) {
      if (open) stream.write(redraw(text));
    },
    restore() {
      if (!open) return;
      open = false;
      process.off("exit", onExit);
      stream.write(`${ANSI.showCursor}\n`);
    },
  };
  return screen;
}
