// A YAML emitter for the subset Kubernetes manifests need: maps, lists, strings, numbers, booleans.
// Strings that could read as anything else are written as JSON strings (valid YAML 1.1 and 1.2).

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

/** Plain scalars that YAML 1.1 or 1.2 would read as a bool, null or number. */
const SPECIAL = /^(?:y|n|yes|no|on|off|true|false|null|~|[-+]?(?:\.inf|\.nan)|[-+]?[0-9][0-9_.:eE+-]*|0x[0-9a-fA-F]+|0o[0-7]+)$/i;
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./@-]*(?: [A-Za-z0-9_./@()-]+)*$/;

export function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value !== "string") return String(value);
  return PLAIN.test(value) && !SPECIAL.test(value) ? value : JSON.stringify(value);
}

function isMap(value: YamlValue): value is { [key: string]: YamlValue | undefined } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const entries = (map: { [key: string]: YamlValue | undefined }) => Object.entries(map).filter((e): e is [string, YamlValue] => e[1] !== undefined);

function lines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return value.flatMap((item) => {
      if (isMap(item) && entries(item).length > 0) {
        const [first, ...rest] = mapLines(item, `${indent}  `);
        return [`${indent}- ${(first ?? "").trimStart()}`, ...rest];
      }
      if (Array.isArray(item) && item.length > 0) return [`${indent}-`, ...lines(item, `${indent}  `)];
      return [`${indent}- ${inline(item)}`];
    });
  }
  if (isMap(value)) return mapLines(value, indent);
  return [`${indent}${inline(value)}`];
}

function mapLines(map: { [key: string]: YamlValue | undefined }, indent: string): string[] {
  return entries(map).flatMap(([key, item]) => {
    const name = scalar(key);
    if ((isMap(item) && entries(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
      // Lists sit at their key's indentation (the common Kubernetes style), maps one level in.
      return [`${indent}${name}:`, ...lines(item, Array.isArray(item) ? indent : `${indent}  `)];
    }
    return [`${indent}${name}: ${inline(item)}`];
  });
}

/** A value on one line: scalars, and empty lists and maps. */
function inline(value: YamlValue): string {
  if (Array.isArray(value)) return "[]";
  if (isMap(value)) return "{}";
  return scalar(value);
}

/** One YAML document (no `---`), ending with a newline. */
export function toYaml(value: YamlValue): string {
  return `${lines(value, "").join("\n")}\n`;
}
