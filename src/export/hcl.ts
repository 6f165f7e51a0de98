// An HCL (native syntax) emitter for the subset a Nomad job needs: blocks with labels, and
// attributes holding strings, numbers, booleans and lists of them.

export type HclScalar = string | number | boolean;
export type HclValue = HclScalar | HclScalar[];

export interface HclBlock {
  type: string;
  labels: string[];
  body: HclBody;
}

export type HclBody = Array<[name: string, value: HclValue | undefined] | HclBlock>;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** A quoted template: JSON's escapes, and `${` / `%{` escaped so they stay text. */
export function hclString(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
}

function value(v: HclValue): string {
  if (Array.isArray(v)) return `[${v.map((item) => value(item)).join(", ")}]`;
  return typeof v === "string" ? hclString(v) : String(v);
}

export function block(type: string, labels: string[], body: HclBody): HclBlock {
  return { type, labels, body };
}

function render(b: HclBlock, indent: string): string[] {
  const head = [b.type, ...b.labels.map(hclString)].join(" ");
  const inner = `${indent}  `;
  const lines: string[] = [];
  const attributes = b.body.filter((item): item is [string, HclValue] => Array.isArray(item) && item[1] !== undefined);
  const width = Math.max(0, ...attributes.map(([name]) => name.length));
  for (const item of b.body) {
    if (Array.isArray(item)) {
      if (item[1] !== undefined) lines.push(`${inner}${item[0].padEnd(width)} = ${value(item[1])}`);
    } else {
      if (lines.length > 0) lines.push("");
      lines.push(...render(item, inner));
    }
  }
  while (lines.at(-1) === "") lines.pop();
  return [`${indent}${head} {`, ...lines, `${indent}}`];
}

/** A file holding one top-level block. */
export function toHcl(top: HclBlock, comment: string): string {
  return `# ${comment}\n${render(top, "").join("\n")}\n`;
}
