// validate --json's split of an error or warning line into its key path and message (config/problems.ts).

import { expect, test } from "bun:test";
import { splitProblem } from "../../src/config/problems.ts";

test.each([
  [
    "agents.A.execution_intreval: unknown key (did you mean 'execution_interval'?)",
    "agents.A.execution_intreval",
    "unknown key (did you mean 'execution_interval'?)",
  ],
  ["agents.A.command[0]: must be a string (got 1)", "agents.A.command[0]", "must be a string (got 1)"],
  ['agents."bad: name": invalid agent name', 'agents."bad: name"', "invalid agent name"],
  ['agents.A.env."X \\" Y": not a valid name', 'agents.A.env."X \\" Y"', "not a valid name"],
  ["agents.web.1.cwd: /srv/x: no such folder", "agents.web.1.cwd", "/srv/x: no such folder"],
  ["agents: dependency cycle A → B → A", "agents", "dependency cycle A → B → A"],
])("%s", (line, path, message) => {
  expect(splitProblem(line)).toEqual({ path, message });
});

test.each([
  ["/etc/pyorchestrate.toml: cannot read config file (no such file)"],
  ["/etc/pyorchestrate.toml:3:7: TOML syntax error: expected ']'"],
  ["no key path here"],
])("a line without a key path keeps its whole text: %s", (line) => {
  expect(splitProblem(line)).toEqual({ path: null, message: line });
});

// splitProblem reads a line once, left to right (no regular expression to backtrack): a long
// line that is no key path, or one with a key path, is split without a time limit to assert.
test("a long line: no key path, or a long key path, told apart", () => {
  const bare = `${"a.".repeat(50_000)}x`;
  expect(splitProblem(bare)).toEqual({ path: null, message: bare });
  expect(splitProblem(`${bare}: too long`)).toEqual({ path: bare, message: "too long" });
  expect(splitProblem(`agents."${"x".repeat(50_000)}`)).toEqual({ path: null, message: `agents."${"x".repeat(50_000)}` });
});
