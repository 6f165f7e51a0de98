// A real `pyorchestrate serve` (the compiled binary) on a temporary socket, for integration tests.

import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { request } from "../../src/client/connection.ts";
import type { ArgsOf, CommandName, DataOf, ManyAgentsData } from "../../src/protocol/commands.ts";
import type { Envelope } from "../../src/protocol/envelope.ts";
import { processesWithEnv } from "./processes.ts";
import { waitFor } from "./wait.ts";

export const BINARY = resolve(import.meta.dir, "../../build/pyorchestrate");
export const FIXTURES = resolve(import.meta.dir, "../fixtures");

if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run 'npm run build' first (npm test does)`);

/** A short temp folder: UNIX socket paths must stay under ~100 bytes. */
export function tempDir(): string {
  return mkdtempSync("/tmp/pyo-");
}

export interface Served extends AsyncDisposable {
  dir: string;
  socket: string;
  configPath: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** A value every agent of this serve gets in its environment, to find its processes. */
  marker: string;
  /** Everything serve wrote on stderr so far. */
  stderr(): string;
  call<C extends CommandName>(command: C, args?: ArgsOf<C>, timeoutMs?: number): Promise<Envelope<DataOf<C>>>;
  /** The data of a success answer; throws with the error otherwise. */
  /** The tests ask about one agent at a time: never the several-agent answer. */
  data<C extends CommandName>(command: C, args?: ArgsOf<C>): Promise<Exclude<DataOf<C>, ManyAgentsData>>;
  /** SIGTERM and wait for serve to exit; resolves to its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** Live processes started for this serve (agents and their children). */
  leftovers(): number[];
  /** Writes a new config in place (same socket, same marker), as an operator edits it before a reload. */
  rewrite(agents: string, orchestrator?: string): void;
}

export interface ServeOptions {
  /** Lines for the [orchestrator] table besides the socket path. */
  orchestrator?: string;
  /** Extra serve arguments. */
  args?: string[];
  /** Wait for the socket to answer (default true). */
  waitReady?: boolean;
  /** Serve in this earlier serve's folder (same socket path and state_dir) instead of a new one. */
  reuseDir?: Served;
  /** Serve in this (prepared) folder instead of a new one. */
  dir?: string;
  /** Extra environment for serve (PYORCHESTRATE_FAKE_NOW, say). */
  env?: Record<string, string>;
}

/**
 * Writes `agents` (TOML for the [agents.*] tables) into a config in a fresh folder and serves it.
 * Every agent gets PYO_TEST_MARKER in its env so the test can find what it left behind.
 */
export async function serve(agents: string, options: ServeOptions = {}): Promise<Served> {
  const dir = options.reuseDir?.dir ?? options.dir ?? tempDir();
  const socket = join(dir, "s.sock");
  const marker = `m${Math.random().toString(36).slice(2)}`;
  const configPath = join(dir, "pyorchestrate.toml");
  const write = (agentsText: string, orchestrator = "") =>
    writeFileSync(configPath, `[orchestrator]\ncommand_socket_path = "${socket}"\n${orchestrator}\n\n${withMarker(agentsText, marker)}\n`);
  write(agents, options.orchestrator);
  const proc = Bun.spawn([BINARY, "serve", configPath, ...(options.args ?? [])], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let stderr = "";
  const decoder = new TextDecoder();
  const collecting = (async () => {
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();

  const served: Served = {
    dir,
    socket,
    configPath,
    proc,
    marker,
    stderr: () => stderr,
    call: (command, args, timeoutMs = 10_000) => request(command, (args ?? {}) as ArgsOf<typeof command>, { socketPath: socket, timeoutMs }),
    async data(command, args) {
      const envelope = await served.call(command, args);
      if (envelope.status !== "success") throw new Error(`${command} failed: ${JSON.stringify(envelope.error)}`);
      return envelope.data as Exclude<DataOf<typeof command>, ManyAgentsData>;
    },
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await proc.exited;
      await collecting;
      return code;
    },
    leftovers: () => processesWithEnv("PYO_TEST_MARKER", marker),
    rewrite: write,
    async [Symbol.asyncDispose]() {
      await served.stop();
      for (const pid of served.leftovers()) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  if (options.waitReady !== false) {
    try {
      const state = await waitFor(async () => {
        if (proc.exitCode !== null) return "exited";
        return (await served.call("status", {}, 1_000)).status === "success" && "ready";
      }, `serve on ${socket} to answer`);
      if (state === "exited") throw new Error(`serve exited early (${proc.exitCode}): ${stderr}`);
    } catch (error) {
      await served[Symbol.asyncDispose]();
      throw error;
    }
  }
  return served;
}

/** Adds the marker to every agent's env (merging an inline `env = { … }` line when there is one). */
function withMarker(agents: string, marker: string): string {
  const entry = `PYO_TEST_MARKER = "${marker}"`;
  return agents
    .split(/^(?=\[agents\.)/m)
    .map((block) => {
      // Not a block to mark: the preamble, or an agent's [agents.X.ready] / [agents.X.alive] table.
      if (!block.startsWith("[agents.") || /^\[agents\.[^\]]+\.(ready|alive)\]/.test(block)) return block;
      if (/^env\s*=\s*\{/m.test(block)) return block.replace(/^env\s*=\s*\{/m, `env = { ${entry},`).replace(/,\s*\}/, " }");
      return block.replace(/^(\[agents\.[^\]]+\][^\n]*)/, `$1\nenv = { ${entry} }`);
    })
    .join("");
}

/** Writes a file into the serve folder (a script for an agent, say). */
export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
