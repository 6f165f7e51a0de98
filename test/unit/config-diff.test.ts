import { expect, test } from "bun:test";
import { applicableConfig, diffAgents } from "../../src/config/diff.ts";
import type { AgentConfig, Config } from "../../src/config/types.ts";
import { agentConfig } from "../helpers/agent-config.ts";

const base: AgentConfig = agentConfig({ name: "A", command: ["sleep", "1"], env: { B: "2", A: "1" } });

const named = (name: string, extra: Partial<AgentConfig> = {}): AgentConfig => ({ ...base, ...extra, name });

test("agents are sorted into added, removed, changed and unchanged, in file order", () => {
  const current = [named("Keep"), named("Change"), named("Drop")];
  const next = [named("New"), named("Change", { stop_timeout: 3 }), named("Keep")];
  expect(diffAgents(current, next)).toEqual({ added: ["New"], removed: ["Drop"], changed: ["Change"], unchanged: ["Keep"] });
});

test("the order of keys (in env, say) is not a change; a changed value in a nested table is", () => {
  expect(diffAgents([named("X")], [named("X", { env: { A: "1", B: "2" } })]).unchanged).toEqual(["X"]);
  expect(diffAgents([named("X")], [named("X", { env: { A: "1", B: "3" } })]).changed).toEqual(["X"]);
  expect(diffAgents([named("X")], [named("X", { depends_on: { Y: "started" } })]).changed).toEqual(["X"]);
});

test("socket and state_dir settings keep their running values and are named; the rest apply", () => {
  const orchestrator = {
    name: "o",
    enable_command_interface: true,
    command_socket_path: "/run/a.sock",
    command_socket_permissions: 0o600,
    command_socket_group: null,
    max_workers: 0,
    allowed_commands: "all",
    blocked_commands: [],
    command_timeout: 30,
    shutdown_timeout: 60,
    state_dir: "/var/lib/a",
    history_capacity: 1000,
    log_max_size: 10_000_000,
    log_keep: 5,
  } as Config["orchestrator"];
  const current: Config = { path: "/etc/a.toml", orchestrator, agents: [] };
  const next: Config = {
    path: "/etc/a.toml",
    orchestrator: { ...orchestrator, command_socket_path: "/run/b.sock", state_dir: "/tmp/b", max_workers: 4 },
    agents: [],
  };
  const { config, requiresRestart } = applicableConfig(current, next);
  expect(requiresRestart).toEqual(["orchestrator.command_socket_path", "orchestrator.state_dir"]);
  expect(config.orchestrator).toEqual({ ...orchestrator, max_workers: 4 });
});
