// An env_file: KEY=value lines as systemd's EnvironmentFile and docker's --env-file read them.
// Blank lines and # comments are skipped, `export ` is allowed, values may be quoted ("…" with
// \n \t \" \\ escapes, '…' literal); no variable expansion, so what is written is what is set.

export type EnvFileResult = { ok: true; env: Record<string, string> } | { ok: false; errors: string[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", $: "$" };

export function parseEnvFile(text: string): EnvFileResult {
  const env: Record<string, string> = {};
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const at = `line ${index + 1}`;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    const equals = body.indexOf("=");
    if (equals <= 0) {
      errors.push(`${at}: expected NAME=value`);
      return;
    }
    const name = body.slice(0, equals).trim();
    if (!NAME.test(name)) {
      errors.push(`${at}: '${name}' is not a variable name`);
      return;
    }
    const value = unquote(body.slice(equals + 1).trim());
    if (value === null) {
      errors.push(`${at}: unterminated quote in the value of ${name}`);
      return;
    }
    env[name] = value;
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, env };
}

function unquote(value: string): string | null {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return value.replace(/\s+#.*$/, "");
  const end = value.lastIndexOf(quote);
  if (end === 0) return null;
  const inner = value.slice(1, end);
  return quote === "'" ? inner : inner.replace(/\\(.)/g, (match, char: string) => ESCAPES[char] ?? match);
}
