// A setting under `status AGENT`'s "Configuration:", on one line: the command and the health
// checks as TOML, the way a config file writes them; other lists space-separated, other tables
// as k=v pairs, null as "-".

/** `command = ["/bin/sh", "-c", TEXT]` is what a string command becomes: it is shown as the string. */
const SHELL = ["/bin/sh", "-c"];

export function formatConfigValue(key: string, value: unknown): string {
  if (key === "command" && Array.isArray(value)) return commandAsWritten(value);
  if ((key === "ready" || key === "alive") && isTable(value) && isTable(value.target)) return checkAsWritten(value, value.target);
  if (Array.isArray(value)) return value.map(formatScalar).join(" ");
  if (isTable(value)) {
    return Object.entries(value)
      .map(([name, inner]) => `${name}=${formatScalar(inner)}`)
      .join(" ");
  }
  return formatScalar(value);
}

function commandAsWritten(argv: readonly unknown[]): string {
  if (argv.length === 3 && argv[0] === SHELL[0] && argv[1] === SHELL[1] && typeof argv[2] === "string") return toml(argv[2]);
  return toml(argv);
}

/** `{ log = "ready", interval = 0.5, … }`: the check's form first, then its settings (a notify check has only its watchdog). */
function checkAsWritten(check: Record<string, unknown>, target: Record<string, unknown>): string {
  const pairs: string[] = [];
  switch (target.kind) {
    case "command":
      pairs.push(`command = ${Array.isArray(target.command) ? commandAsWritten(target.command) : toml(target.command)}`);
      break;
    case "tcp": {
      const host = String(target.host);
      pairs.push(`tcp = ${toml(`${host.includes(":") ? `[${host}]` : host}:${String(target.port)}`)}`);
      break;
    }
    case "http":
      pairs.push(`http = ${toml(target.url)}`);
      break;
    case "log":
      pairs.push(`log = ${toml(target.pattern)}`);
      break;
    case "notify":
      pairs.push("notify = true");
      if (check.watchdog !== null && check.watchdog !== undefined) pairs.push(`watchdog = ${toml(check.watchdog)}`);
      return `{ ${pairs.join(", ")} }`;
  }
  for (const [name, inner] of Object.entries(check)) {
    if (name !== "target" && name !== "watchdog" && inner !== null && inner !== undefined) pairs.push(`${name} = ${toml(inner)}`);
  }
  return `{ ${pairs.join(", ")} }`;
}

/** A TOML value: strings and arrays as JSON writes them (the same syntax for these), numbers and booleans bare. */
function toml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toml).join(", ")}]`;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
}

function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
