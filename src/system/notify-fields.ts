// A notify datagram's text as systemd reads it (sd_notify(3)): newline-separated KEY=VALUE
// assignments. Pure, so the receiver's thread and its tests share it.

/** What systemd reads of one datagram (NOTIFY_BUFFER_MAX); the rest is not kept. */
export const NOTIFY_MAX_BYTES = 4096;

/**
 * The assignments of `text`. A line without `=`, with an empty key or with a NUL byte is
 * ignored; a key given twice keeps its first value, as systemd's lookups do. `truncated` says the
 * datagram was longer than was read: its last, cut-off line is dropped.
 */
export function parseNotifyFields(text: string, truncated: boolean): Record<string, string> {
  const lines = text.split("\n");
  if (truncated) lines.pop();
  const fields = new Map<string, string>();
  for (const line of lines) {
    const equals = line.indexOf("=");
    if (equals <= 0 || line.includes("\0")) continue;
    const key = line.slice(0, equals);
    if (!fields.has(key)) fields.set(key, line.slice(equals + 1));
  }
  // fromEntries defines own properties: a key such as __proto__ stays a plain field.
  return Object.fromEntries(fields);
}
