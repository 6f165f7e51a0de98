// Reload: re-read the config file serve was started with and move the orchestrator to it; the
// reload command and SIGHUP both come here. An invalid file changes nothing.

import { applicableConfig, diffAgents } from "../config/diff.ts";
import { loadConfig } from "../config/load.ts";
import type { ReloadData } from "../protocol/commands.ts";
import { OrchestratorError } from "../orchestrator/errors.ts";
import type { ServerContext } from "./context.ts";
import { permittedCommands } from "./permissions.ts";

/** Hears each reload begin and end, whether the reload command or SIGHUP asked (serve's systemd link). */
export interface ReloadObserver {
  reloading(): void;
  reloaded(): void;
}

const observers = new WeakMap<ServerContext, ReloadObserver>();

export function observeReloads(ctx: ServerContext, observer: ReloadObserver): void {
  observers.set(ctx, observer);
}

export async function reloadConfiguration(ctx: ServerContext): Promise<ReloadData> {
  const observer = observers.get(ctx);
  observer?.reloading();
  try {
    return await reload(ctx);
  } finally {
    observer?.reloaded();
  }
}

async function reload(ctx: ServerContext): Promise<ReloadData> {
  const path = ctx.config.path;
  const loaded = await loadConfig(path);
  if (!loaded.ok) {
    throw new OrchestratorError("CONFIG_ERROR", `${path}: ${loaded.errors.length} configuration error(s); the running configuration stays`, {
      config_path: path,
      errors: loaded.errors,
    });
  }
  const { config, requiresRestart } = applicableConfig(ctx.config, loaded.config);
  const diff = diffAgents(ctx.config.agents, config.agents);
  await ctx.orchestrator.reload(config, diff);
  ctx.config = config;
  ctx.permitted = permittedCommands(config.orchestrator.allowed_commands, config.orchestrator.blocked_commands);
  return { ...diff, requires_restart: requiresRestart };
}
