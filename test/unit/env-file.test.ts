import { expect, test } from "bun:test";
import { lookupGroup, lookupUser } from "../../src/config/accounts.ts";
import { parseEnvFile } from "../../src/config/env-file.ts";

test("env files: comments, export, quotes and escapes, no expansion", () => {
  const text = [
    "# database",
    "",
    "DB_HOST=db.internal",
    "export DB_PORT = 5432",
    'GREETING="hello\\nworld \\"quoted\\""',
    "LITERAL='no \\n escapes $HOME'",
    "TRAILING=value # a comment",
    "EMPTY=",
    "PATHLIKE=$PATH:/opt/bin",
  ].join("\n");
  expect(parseEnvFile(text)).toEqual({
    ok: true,
    env: {
      DB_HOST: "db.internal",
      DB_PORT: "5432",
      GREETING: 'hello\nworld "quoted"',
      LITERAL: "no \\n escapes $HOME",
      TRAILING: "value",
      EMPTY: "",
      PATHLIKE: "$PATH:/opt/bin",
    },
  });
});

test("env files: every bad line is reported with its number", () => {
  expect(parseEnvFile('OK=1\njust words\n1BAD=x\nQUOTE="open\n')).toEqual({
    ok: false,
    errors: ["line 2: expected NAME=value", "line 3: '1BAD' is not a variable name", "line 4: unterminated quote in the value of QUOTE"],
  });
});

test("accounts: by name and by number; unknown names are null, unknown numbers taken as given", () => {
  expect(lookupUser("root")).toEqual({ name: "root", uid: 0, gid: 0, home: "/root" });
  expect(lookupUser("0")?.name).toBe("root");
  expect(lookupUser("no-such-user-here")).toBeNull();
  expect(lookupUser("54321")).toEqual({ name: null, uid: 54321, gid: 54321, home: null });
  expect(lookupGroup("root")).toBe(0);
  expect(lookupGroup("4242")).toBe(4242);
  expect(lookupGroup("no-such-group-here")).toBeNull();
});
