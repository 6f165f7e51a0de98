// CLI failures: a usage mistake (exit 2) carries the command whose usage line to print.

export const EXIT = { ok: 0, error: 1, usage: 2, unreachable: 3 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}
