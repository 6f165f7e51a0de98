// Writing systemd unit files: sections of Key=value lines, and the quoting systemd.unit(5) and
// systemd.service(5) ask for (specifiers `%`, variables `$` in command lines, C-style escapes).

export type Section = [name: string, entries: Array<[key: string, value: string]>];

export function renderUnit(header: string, sections: readonly Section[]): string {
  const parts = [header];
  for (const [name, entries] of sections) {
    if (entries.length === 0) continue;
    parts.push(`[${name}]\n${entries.map(([key, value]) => `${key}=${value}`).join("\n")}`);
  }
  return `${parts.join("\n\n")}\n`;
}

/** `%` starts a specifier in almost every setting: double it. */
export function specifierSafe(text: string): string {
  return text.replace(/%/g, "%%");
}

/** A double-quoted word with C-style escapes; `%` doubled. */
function quoted(text: string): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
  return `"${specifierSafe(escaped)}"`;
}

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * ExecStart= and friends: each argument one word, quoted when it needs to be; `$` doubled so
 * systemd does not expand variables in it, `%` doubled for specifiers. A lone `;` would end the
 * command, so it is quoted too.
 */
export function commandLine(argv: readonly string[]): string {
  return argv
    .map((arg, index) => {
      const safe = arg.replace(/\$/g, "$$$$");
      // ExecStart= prefixes (`-`, `@`, …) only count before the program.
      if (PLAIN_WORD.test(safe) && (index > 0 || !/^[-@:+!]/.test(safe))) return specifierSafe(safe);
      return quoted(safe);
    })
    .join(" ");
}

/** Environment="NAME=value" (systemd does not expand `$` here; specifiers it does). */
export function environment(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => quoted(`${name}=${value}`))
    .join(" ");
}

/** A file path setting (WorkingDirectory=, EnvironmentFile=): taken to the end of the line. */
export function pathValue(path: string): string {
  return specifierSafe(path);
}

/** Seconds as systemd writes spans: `10`, `1.5s`→`1500ms`; integral values stay plain seconds. */
export function span(seconds: number): string {
  if (Number.isInteger(seconds)) return String(seconds);
  return `${Math.round(seconds * 1000)}ms`;
}

/** Unit-name characters (systemd.unit(5)): ASCII letters, digits, ':', '-', '_', '.', '\\'. */
export function unitNamePart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9:_.-]+/g, "-").replace(/^-+|-+$/g, "");
  return cleaned === "" ? "pyorchestrate" : cleaned;
}
