// Reload: re-read the config file serve was started with and move the orchestrator to it; the
// reload command and SIGHUP both come here. An invalid file changes nothing.

import { applicableConfig, diffAgents } from "../config/diff.ts";
import { loadConfig } from "../config/load.ts";
import type { ReloadData } from "../protocol/commands.ts";
import { OrchestratorError } from "../orchestrator/errors.ts";
import type { ServerContext } from "./context.ts";
import type { Logger } from "./logger.ts";
import { permittedCommands } from "./permissions.ts";

/** Hears each reload begin and end, whether the reload command or SIGHUP asked (serve's systemd link). */
export interface ReloadObserver {
  reloading(): void;
  reloaded(): void;
}

const observers = new WeakMap<ServerContext, ReloadObserver>();
const logs = new WeakMap<ServerContext, Logger>();

export function observeReloads(ctx: ServerContext, observer: ReloadObserver): void {
  observers.set(ctx, observer);
}

/** serve's log hears why a reload was rejected, whoever asked (the reload command or SIGHUP). */
export function logReloads(ctx: ServerContext, log: Logger): void {
  logs.set(ctx, log);
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
  const log = logs.get(ctx);
  if (!loaded.ok) {
    const message = `${path}: ${loaded.errors.length} configuration error(s); the running configuration stays`;
    for (const line of loaded.errors) log?.error(line);
    log?.error(`reload rejected: ${message}`);
    throw new OrchestratorError("CONFIG_ERROR", message, { config_path: path, errors: loaded.errors });
  }
  for (const warning of loaded.warnings) log?.warn(warning);
  const { config, requiresRestart } = applicableConfig(ctx.config, loaded.config);
  if (requiresRestart.length > 0) log?.warn(`reload: ${requiresRestart.join(", ")} changed; restart serve to apply`);
  const diff = diffAgents(ctx.config.agents, config.agents);
  await ctx.orchestrator.reload(config, diff);
  ctx.config = config;
  ctx.permitted = permittedCommands(config.orchestrator.allowed_commands, config.orchestrator.blocked_commands);
  return { ...diff, requires_restart: requiresRestart };
}
