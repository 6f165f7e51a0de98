// Plain-text tables: columns sized to their content, three spaces apart.

const GAP = "   ";

export interface TableOptions {
  /** Least width of each column (before the gap), for layouts that must match the reference. */
  minWidths?: readonly number[];
}

export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const widths = headers.map((header, column) => Math.max(header.length, options.minWidths?.[column] ?? 0, ...rows.map((row) => (row[column] ?? "").length)));
  return [headers, ...rows]
    .map((cells) =>
      widths
        .map((width, column) => (cells[column] ?? "").padEnd(width))
        .join(GAP)
        .trimEnd(),
    )
    .join("\n");
}
