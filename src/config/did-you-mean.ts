// "Did you mean …?" hints for misspelt keys, agent names and command names.

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  // One row of the DP table is enough: row[j] = distance(a[0..i), b[0..j)).
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * The candidate closest to `input`, if it is close enough to be a plausible typo:
 * at most 2 edits, or at most a third of the longer name's length (so truncations like
 * "monitor" → "monitoring" are caught).
 * A case-only difference always matches; ties go to the earlier candidate.
 */
export function suggest(input: string, candidates: Iterable<string>): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = levenshtein(input, candidate);
    // Replacing every character of a short word is not a typo ("x" is not a typo of "ps").
    if (distance >= Math.max(input.length, candidate.length)) continue;
    const limit = Math.max(2, Math.floor(Math.max(input.length, candidate.length) / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** " (did you mean 'x'?)" or "" — ready to append to an error message. */
export function hint(input: string, candidates: Iterable<string>): string {
  const found = suggest(input, candidates);
  return found === undefined ? "" : ` (did you mean '${found}'?)`;
}
