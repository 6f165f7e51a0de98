// Whether what the binary prints has the shape a document shows: the same lines in the same order,
// the same words, labels and symbols, while the values that differ from run to run (numbers, pids,
// times, durations, sizes, percentages, paths) and the events a listing happens to hold (their
// type, agent and key=value details) may differ. For JSON: the same keys.

/** What a volatile value may be in the binary's output, by what the document shows there. */
const VOLATILE: Array<{ doc: RegExp; actual: string }> = [
  // An event's details at the end of a history row: `pid=9570 exit_code=0 ran_ms=1004`.
  { doc: /(?<=\s)[a-z][a-z_]*=\S.*$/y, actual: "[a-z][a-z_]*=.*" },
  { doc: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z/y, actual: String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z` },
  { doc: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/y, actual: String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ` },
  { doc: /(?<![\d:])\d\d:\d\d:\d\d(?![\d:])/y, actual: String.raw`\d\d:\d\d:\d\d` },
  { doc: /(?<![\w.])\d+\.\d+\.\d+(?![\w.])/y, actual: String.raw`\d+\.\d+\.\d+` },
  { doc: /(?<![\w.])\d+(?:\.\d+)? (?:B|[KMGT]i?B)\b/y, actual: String.raw`\d+(?:\.\d+)? (?:B|[KMGT]i?B)` },
  { doc: /(?<![\w.])\d+(?:\.\d+)?%/y, actual: String.raw`\d+(?:\.\d+)?%` },
  { doc: /(?<![\w.])\d+(?:\.\d+)?(?:ms|s)(?!\w)/y, actual: String.raw`\d+(?:\.\d+)?(?:ms|s)` },
  { doc: /(?<![\w.#])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])/y, actual: String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?` },
  // An event type: AGENT_STARTED, COMMAND_EXECUTED.
  { doc: /(?<!\w)[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?!\w)/y, actual: "[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+" },
  // An absolute path: a socket, a config, the folder a command ran in.
  { doc: /(?<![\w/.])\/[\w.\-/]*\w/y, actual: String.raw`\/[\w.\-/]*\w` },
];

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const EVENT_TYPE = /(?<!\w)[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?!\w)/;

/**
 * The pattern one documented line stands for. On a line that shows an event (it names an event
 * type), which event it is is data, and so is its agent: one of `agents`, or a lone `-` for none.
 * Elsewhere agent names are words like any other, so a listing keeps its rows.
 */
export function linePattern(line: string, agents: readonly string[]): string {
  const agent = `(?:-|${agents.map(literal).join("|")})`;
  const agentDoc = new RegExp(`(?<!\\w)(?:${agents.map(literal).join("|")})(?!\\w)|(?<=^|\\s)-(?=\\s|$)`, "y");
  const text = line.trimEnd();
  const classes = EVENT_TYPE.test(text) ? [...VOLATILE, { doc: agentDoc, actual: agent }] : VOLATILE;
  const indent = /^ */.exec(text)?.[0] ?? "";
  let pattern = literal(indent);
  let i = indent.length;
  outer: while (i < text.length) {
    if (text[i] === " ") {
      while (text[i] === " ") i++;
      pattern += " +";
      continue;
    }
    for (const { doc, actual } of classes) {
      doc.lastIndex = i;
      const found = doc.exec(text);
      if (found && found[0].length > 0) {
        pattern += actual;
        i += found[0].length;
        continue outer;
      }
    }
    pattern += literal(text[i] ?? "");
    i++;
  }
  return pattern;
}

interface Group {
  /** 1-based position of the group's first line in the documented output. */
  at: number;
  source: string;
  /** null: an elision (`…`), any number of lines. */
  pattern: RegExp | null;
}

/**
 * Documented lines as groups: an elision line (`…` or `...`) stands for any lines, and a run of
 * lines with the same pattern (rows of a listing) for one or more such lines.
 */
function groups(doc: readonly string[], agents: readonly string[]): Group[] {
  const found: Group[] = [];
  let previous: string | null = null;
  doc.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "…" || trimmed === "...") {
      found.push({ at: i + 1, source: line, pattern: null });
      previous = null;
      return;
    }
    const pattern = linePattern(line, agents);
    if (pattern !== previous) found.push({ at: i + 1, source: line, pattern: new RegExp(`^${pattern}$`) });
    previous = pattern;
  });
  return found;
}

/** null when `actual` has the documented shape; otherwise which documented line has no match, and where. */
export function compareLines(doc: readonly string[], actualText: string, agents: readonly string[]): string | null {
  const actual = actualText
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => line.trimEnd());
  if (actualText === "") actual.length = 0;
  const wanted = groups(doc, agents);
  const memo = new Map<string, boolean>();
  let furthest = { group: 0, line: 0 };
  const fits = (g: number, l: number): boolean => {
    const key = `${g}:${l}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (g > furthest.group || (g === furthest.group && l > furthest.line)) furthest = { group: g, line: l };
    let result: boolean;
    const group = wanted[g];
    if (!group) result = l === actual.length;
    else if (group.pattern === null) {
      result = false;
      for (let k = l; k <= actual.length && !result; k++) result = fits(g + 1, k);
    } else {
      result = false;
      for (let k = l; k < actual.length && group.pattern.test(actual[k] ?? "") && !result; k++) result = fits(g + 1, k + 1);
    }
    memo.set(key, result);
    return result;
  };
  if (fits(0, 0)) return null;
  const stuck = wanted[furthest.group];
  const there = furthest.line < actual.length ? `'${actual[furthest.line]}' (printed line ${furthest.line + 1})` : "the end of the output";
  const what = stuck ? `documented line ${stuck.at} '${stuck.source.trim()}' does not match ${there}` : `the binary prints more lines from ${there}`;
  return `${what}\n--- documented:\n${doc.join("\n")}\n--- printed:\n${actual.join("\n")}`;
}

type Json = unknown;

const isObject = (value: Json): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * An object whose keys are data, not a schema: an agent's or event type's name (capitalised
 * keys: `by_type`, `dependencies`), or `details`, whose keys depend on the event or error.
 */
const isMap = (key: string, value: Record<string, Json>) =>
  key === "details" || (Object.keys(value).length > 0 && Object.keys(value).every((k) => /^[A-Z]/.test(k)));

/** Where the keys of `actual` differ from the documented `doc` (recursively; values may differ). */
export function compareKeys(doc: Json, actual: Json, path = "", key = ""): string[] {
  if (isObject(doc)) {
    if (!isObject(actual)) return actual === null ? [] : [`${path || "(top)"}: documented an object, printed ${JSON.stringify(actual)}`];
    if (isMap(key, doc)) {
      if (key === "details") return [];
      const shape = Object.values(doc)[0];
      return Object.entries(actual).flatMap(([k, value]) => compareKeys(shape, value, `${path}.${k}`, k));
    }
    const problems: string[] = [];
    for (const k of Object.keys(doc)) if (!(k in actual)) problems.push(`${path}.${k}: documented, not printed`);
    for (const k of Object.keys(actual)) if (!(k in doc)) problems.push(`${path}.${k}: printed, not documented`);
    for (const k of Object.keys(doc)) if (k in actual) problems.push(...compareKeys(doc[k], actual[k], `${path}.${k}`, k));
    return problems;
  }
  if (Array.isArray(doc)) {
    const objects = doc.filter(isObject);
    if (objects.length === 0 || !Array.isArray(actual)) return [];
    // Keys every documented element has are required; keys only some have are optional.
    const allowed = new Set(objects.flatMap((element) => Object.keys(element)));
    const required = [...allowed].filter((k) => objects.every((element) => k in element));
    const merged: Record<string, Json> = {};
    for (const k of allowed) merged[k] = objects.map((element) => element[k]).find((value) => value !== null && value !== undefined) ?? null;
    return actual.flatMap((element, i) => {
      if (!isObject(element)) return [`${path}[${i}]: documented objects, printed ${JSON.stringify(element)}`];
      const problems: string[] = [];
      for (const k of required) if (!(k in element)) problems.push(`${path}[${i}].${k}: documented, not printed`);
      for (const k of Object.keys(element)) if (!allowed.has(k)) problems.push(`${path}[${i}].${k}: printed, not documented`);
      for (const k of Object.keys(element)) if (allowed.has(k)) problems.push(...compareKeys(merged[k], element[k], `${path}[${i}].${k}`, k));
      return problems;
    });
  }
  return [];
}
