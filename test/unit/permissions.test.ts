import { expect, test } from "bun:test";
import { permittedCommands } from "../../src/server/permissions.ts";

const commands = ["ps", "status", "stats", "report", "start", "stop", "restart", "shutdown"];
const allowedOf = (check: (command: string) => boolean) => commands.filter(check);

test("presets", () => {
  expect(allowedOf(permittedCommands("basic", []))).toEqual(["ps", "status"]);
  expect(allowedOf(permittedCommands("monitoring", []))).toEqual(["ps", "status", "stats", "report"]);
  expect(allowedOf(permittedCommands("all", []))).toEqual(commands);
});

test("a list, and blocked_commands applied after allowed_commands", () => {
  expect(allowedOf(permittedCommands(["ps", "stop"], []))).toEqual(["ps", "stop"]);
  expect(allowedOf(permittedCommands("all", ["shutdown", "stop"]))).toEqual(commands.filter((c) => c !== "shutdown" && c !== "stop"));
  expect(allowedOf(permittedCommands("monitoring", ["report"]))).toEqual(["ps", "status", "stats"]);
});
