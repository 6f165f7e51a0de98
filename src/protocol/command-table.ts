// What is true of each wire command, in one record. The CLI's command table, help and completion,
// the server's dispatch (shutdown refusals, audit, command_timeout) and the allowed_commands
// presets all read it, and a command missing from it does not compile.

import type { ArgsOf, CommandName } from "./commands.ts";

/** allowed_commands presets, each holding the one before it: basic ⊂ monitoring ⊂ all. */
export const COMMAND_PRESETS = ["basic", "monitoring", "all"] as const;
export type CommandPreset = (typeof COMMAND_PRESETS)[number];

/** The boolean wire arguments of command C. */
type BooleanArg<C extends CommandName> = {
  [K in keyof ArgsOf<C>]-?: NonNullable<ArgsOf<C>[K]> extends boolean ? K : never;
}[keyof ArgsOf<C>] &
  string;

export interface CommandFacts<C extends CommandName> {
  /** One line, as help and completion show it. */
  description: string;
  /** The wire arguments (keys of the request's `args`) it takes. */
  args: readonly (keyof ArgsOf<C> & string)[];
  /** Changes agents or the orchestrator: refused with ORCHESTRATOR_BUSY once a shutdown is under way. */
  changes: boolean;
  /**
   * "target": acts on (or asks about) `args.agent`, so its audit event is that agent's;
   * "filter": `args.agent` only narrows the answer; "none": takes no agent.
   */
  agent: "target" | "filter" | "none";
  /** The smallest allowed_commands preset that includes it. */
  preset: CommandPreset;
  /**
   * "command_timeout": answered within [orchestrator] command_timeout, or COMMAND_TIMEOUT;
   * "stream": frames until it ends or the client leaves, never cut by command_timeout;
   * `{ streamWhen }`: a stream when that boolean argument is true, bounded otherwise.
   */
  timing: "command_timeout" | "stream" | { streamWhen: BooleanArg<C> };
}

/** In the order help lists the runtime commands. */
export const COMMAND_TABLE: { readonly [C in CommandName]: CommandFacts<C> } = {
  ps: {
    description: "List all agents with their current status",
    args: [],
    changes: false,
    agent: "none",
    preset: "basic",
    timing: "command_timeout",
  },
  start: {
    description: "Start an agent (and first its stopped dependencies)",
    args: ["agent"],
    changes: true,
    agent: "target",
    preset: "all",
    timing: "command_timeout",
  },
  stop: {
    description: "Stop an agent gracefully",
    args: ["agent"],
    changes: true,
    agent: "target",
    preset: "all",
    timing: "command_timeout",
  },
  restart: {
    description: "Restart an agent",
    args: ["agent"],
    changes: true,
    agent: "target",
    preset: "all",
    timing: "command_timeout",
  },
  run: {
    description: "Run a periodic agent once now, outside its schedule (--wait: until it ends, exit 1 if it fails)",
    args: ["agent", "wait"],
    changes: true,
    agent: "target",
    preset: "all",
    timing: { streamWhen: "wait" },
  },
  scale: {
    description: "Change how many copies of an agent with instances run (AGENT N)",
    args: ["agent", "instances"],
    changes: true,
    agent: "target",
    preset: "all",
    timing: "command_timeout",
  },
  status: {
    description: "Status of an agent, or of the orchestrator",
    args: ["agent"],
    changes: false,
    agent: "target",
    preset: "basic",
    timing: "command_timeout",
  },
  stats: {
    description: "Statistics of the orchestrator and all agents",
    args: ["watch", "interval"],
    changes: false,
    agent: "none",
    preset: "monitoring",
    timing: { streamWhen: "watch" },
  },
  dependencies: {
    description: "What each agent waits for, and the start order",
    args: [],
    changes: false,
    agent: "none",
    preset: "monitoring",
    timing: "command_timeout",
  },
  report: {
    description: "A full report of the orchestrator's state",
    args: [],
    changes: false,
    agent: "none",
    preset: "monitoring",
    timing: "command_timeout",
  },
  history: {
    description: "The event history (--last, --agent, --type, --category, --after-seq, --follow)",
    args: ["last", "agent", "type", "category", "after_seq", "follow"],
    changes: false,
    agent: "filter",
    preset: "monitoring",
    timing: { streamWhen: "follow" },
  },
  "history-stats": {
    description: "Event counts by type, and how full the history is",
    args: ["agent"],
    changes: false,
    agent: "filter",
    preset: "monitoring",
    timing: "command_timeout",
  },
  logs: {
    description: "Agents' last output lines, merged in time order (-n, --grep, --stream, --since, --follow)",
    args: ["agent", "lines", "stream", "since", "grep", "markers", "follow"],
    changes: false,
    agent: "target",
    preset: "monitoring",
    timing: { streamWhen: "follow" },
  },
  shutdown: {
    description: "Stop all agents in dependency order, then the orchestrator",
    args: [],
    changes: true,
    agent: "none",
    preset: "all",
    timing: "stream",
  },
  reload: {
    description: "Re-read the config file: add, remove and restart changed agents",
    args: [],
    changes: true,
    agent: "none",
    preset: "all",
    timing: "command_timeout",
  },
};

/** Whether a command's answer to these args is a stream (so command_timeout does not cut it). */
export function streams(command: CommandName, args: object): boolean {
  const { timing } = COMMAND_TABLE[command];
  if (timing === "stream") return true;
  return typeof timing === "object" && (args as Record<string, unknown>)[timing.streamWhen] === true;
}

/** The commands an allowed_commands preset lets through. */
export function presetCommands(preset: CommandPreset): CommandName[] {
  const rank = COMMAND_PRESETS.indexOf(preset);
  return (Object.keys(COMMAND_TABLE) as CommandName[]).filter((name) => COMMAND_PRESETS.indexOf(COMMAND_TABLE[name].preset) <= rank);
}
