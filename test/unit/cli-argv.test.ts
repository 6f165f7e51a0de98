// The CLI's own argument reader (src/cli/argv.ts): citty's declarations, read strictly.

import { describe, expect, test } from "bun:test";
import type { ArgsDef } from "citty";
import { parseArgv, typedFlag } from "../../src/cli/argv.ts";
import { UsageError } from "../../src/cli/errors.ts";

const DEFS = {
  agent: { type: "positional", required: true },
  socket_path: { type: "positional", required: false },
  socket: { type: "string" },
  json: { type: "boolean" },
  lines: { type: "string", alias: "n" },
  follow: { type: "boolean", alias: "f" },
  "after-seq": { type: "string" },
  log_format: { type: "string", default: "human" },
} as const satisfies ArgsDef;

const parse = (...argv: string[]) => parseArgv(argv, DEFS);
const usage = (argv: string[]) => {
  try {
    parseArgv(argv, DEFS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("parseArgv", () => {
  test("positionals fill the declared ones in order and all stay in _", () => {
    expect(parse("web", "/tmp/x.sock")).toEqual({ _: ["web", "/tmp/x.sock"], agent: "web", socket_path: "/tmp/x.sock", log_format: "human" });
    expect(parse("web")).toEqual({ _: ["web"], agent: "web", socket_path: undefined, log_format: "human" });
  });

  test("value flags: separate, inline (first '=' splits), alias, last one wins", () => {
    expect(parse("a", "--socket", "/s", "-n", "5", "--socket=/t=u", "--after-seq", "7")).toMatchObject({ socket: "/t=u", lines: "5", "after-seq": "7" });
    expect(parse("a", "-n=5").lines).toBe("5");
    expect(parse("a", "--log-format", "json").log_format).toBe("json");
    expect(parse("a", "--socket=").socket).toBe("");
    expect(parse("a", "--socket", "-").socket).toBe("-");
  });

  test("booleans: bare, -f, --no-, =true/=false", () => {
    expect(parse("a", "--json", "-f")).toMatchObject({ json: true, follow: true });
    expect(parse("a", "--no-json", "--follow=false")).toMatchObject({ json: false, follow: false });
    expect(parse("a", "--json=true").json).toBe(true);
    expect(parse("a").json).toBeUndefined();
  });

  test("-- ends the flags; '-' alone is a positional", () => {
    expect(parse("--", "--json", "x")).toMatchObject({ _: ["--json", "x"], agent: "--json", socket_path: "x" });
    expect(parse("-").agent).toBe("-");
  });

  test("usage errors say what is wrong", () => {
    expect(usage(["a", "--bogus"])).toBe("unknown option '--bogus'");
    expect(usage(["a", "--bogus=1"])).toBe("unknown option '--bogus'");
    expect(usage(["a", "--no-socket"])).toBe("unknown option '--no-socket'");
    expect(usage(["a", "--json=yes"])).toBe("option '--json' takes no value");
    expect(usage(["a", "--socket"])).toBe("option '--socket' needs a value");
    // As typed: the short alias is named as the short alias.
    expect(usage(["a", "-n", "--json"])).toBe("option '-n' needs a value");
    expect(usage(["a", "--lines", "--json"])).toBe("option '--lines' needs a value");
    expect(usage(["a", "-f=maybe"])).toBe("option '-f' takes no value");
    expect(usage([])).toBe("Missing required positional argument: AGENT");
    expect(typedFlag(["a", "-n", "x"], "lines", DEFS)).toBe("-n");
    expect(typedFlag(["a", "--lines=x"], "lines", DEFS)).toBe("--lines");
    expect(typedFlag(["a"], "lines", DEFS)).toBe("--lines");
    // Flags are read before positionals are counted: the unknown flag is what is reported.
    expect(usage(["--bogus"])).toBe("unknown option '--bogus'");
  });
});
