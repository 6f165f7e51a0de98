// `pyorchestrate serve`: load the config, start the agents, answer on the socket, stop cleanly.

import { mkdirSync } from "node:fs";
import { loadConfig } from "../config/load.ts";
import { endLeftovers, SERVE_ID_ENV } from "../orchestrator/leftovers.ts";
import { OrchestratorError } from "../orchestrator/errors.ts";
import { Orchestrator } from "../orchestrator/orchestrator.ts";
import { ResourceSampler } from "../orchestrator/resources.ts";
import { adoptOrphans } from "../system/adopt-orphans.ts";
import { type DeathGuard, startDeathGuard } from "../system/death-guard.ts";
import { takeNotifySettings } from "../system/sd-notify.ts";
import { lazyNotifyPort } from "./agent-notify-port.ts";
import type { ServerContext } from "./context.ts";
import { createDispatch } from "./dispatch.ts";
import { logEvent } from "./event-lines.ts";
import { collectWhenQuiet } from "./idle-collect.ts";
import { type CommandListener, listen } from "./listener.ts";
import { createLogger, type LogFormat, type Logger } from "./logger.ts";
import { CommandMetrics } from "./metrics.ts";
import { permittedCommands } from "./permissions.ts";
import { logReloads, observeReloads, reloadConfiguration } from "./reload.ts";
import { claimSocketPath } from "./socket-file.ts";
import { acquireStateLock, type StateLock } from "./state-lock.ts";
import { linkToSystemd } from "./systemd-notify.ts";

/** How long leftovers of a killed serve get between SIGTERM and SIGKILL. */
const LEFTOVER_GRACE_MS = 5_000;
/** serve's exit status after SIGQUIT (128 + 3, as a shell reports a process SIGQUIT ended). */
export const QUIT_EXIT_STATUS = 131;

export interface ServeOptions {
  configPath: string;
  logFormat: LogFormat;
  version: string;
}

/** Runs until shutdown; resolves to the process exit code. */
export async function serve(options: ServeOptions): Promise<number> {
  const log = createLogger(options.logFormat);
  // Taken out of the environment at once, so that no agent or check inherits serve's line to systemd.
  const notify = takeNotifySettings(process.env, process.pid);
  const loaded = await loadConfig(options.configPath);
  if (!loaded.ok) {
    for (const error of loaded.errors) log.error(error);
    log.error(`${options.configPath}: ${loaded.errors.length} configuration error(s); nothing was started`);
    return 1;
  }
  const { config } = loaded;
  // Valid settings that work against each other (config/warnings.ts), first in the log.
  for (const warning of loaded.warnings) log.warn(warning);
  const settings = config.orchestrator;
  if (settings.enable_command_interface) {
    // Before the state_dir lock: "another orchestrator answers here" is the clearer refusal.
    try {
      await claimSocketPath(settings.command_socket_path);
    } catch (error) {
      log.error(`cannot open the command socket: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  const instance = crypto.randomUUID();
  let orchestrator: Orchestrator;
  let lock: StateLock;
  // Agents' sd_notify datagrams reach the orchestrator once it exists.
  const agentNotify = lazyNotifyPort((agent, datagram) => orchestrator.notified(agent, datagram));
  let guard: DeathGuard | null = null;
  try {
    mkdirSync(settings.state_dir, { recursive: true, mode: 0o700 });
    lock = acquireStateLock(settings.state_dir, instance);
    // Watching before any agent starts; without it, each agent's parent-death signal (setpriv).
    const started = startDeathGuard(`${SERVE_ID_ENV}=${instance}`, (why) => log.warn(why));
    if ("problem" in started) log.warn(`${started.problem}: agents get a parent-death signal instead, their descendants wait for the next serve`);
    else guard = started;
    orchestrator = new Orchestrator(config, { instance, notify: agentNotify, groups: guard ?? undefined });
  } catch (error) {
    log.error(`cannot use state_dir ${settings.state_dir}: ${error instanceof Error ? error.message : String(error)}`);
    await guard?.close();
    return 1;
  }
  await endPreviousLeftovers(orchestrator, lock, log);
  if (!guard && orchestrator.spawnPrefix.length === 0) {
    log.warn("setpriv with --pdeathsig is not available: if serve is killed, its agents run on until the next serve on this state_dir ends them");
  }
  // Before the first agent starts, so that whatever any of them daemonizes is re-parented to serve.
  const adoption = adoptOrphans((problem) => log.warn(problem));
  if (adoption.warning) log.warn(adoption.warning);
  // Unusable journal (corrupt, unwritable): one warning, and the history stays in memory.
  orchestrator.events.attachJournal(`${settings.state_dir}/events.db`, (problem) => log.warn(problem));
  orchestrator.events.subscribe((event) => logEvent(log, event));
  // Every answered request and every agent change is an event: the heap is collected once they stop.
  const collector = collectWhenQuiet();
  orchestrator.events.subscribe(() => collector.note());

  // One shutdown per serve, whoever asks first: the shutdown command or a signal.
  let shuttingDown: Promise<{ stopped: number; allGraceful: boolean }> | null = null;
  const finished = Promise.withResolvers<{ stopped: number; allGraceful: boolean }>();
  const systemd = notify ? linkToSystemd(notify, orchestrator, log) : null;
  const shutdown: ServerContext["shutdown"] = (onStopped) => {
    if (!shuttingDown) {
      systemd?.stopping();
      shuttingDown = orchestrator.shutdown(onStopped);
      shuttingDown.then(finished.resolve, finished.reject);
    }
    return shuttingDown;
  };

  const ctx: ServerContext = {
    orchestrator,
    config,
    permitted: permittedCommands(settings.allowed_commands, settings.blocked_commands),
    sampler: new ResourceSampler(),
    metrics: new CommandMetrics(),
    version: options.version,
    shutdown,
  };
  logReloads(ctx, log);
  if (systemd) observeReloads(ctx, systemd);
  let listener: CommandListener | null = null;
  if (settings.enable_command_interface) {
    try {
      listener = await listen({
        path: settings.command_socket_path,
        mode: settings.command_socket_permissions,
        group: settings.command_socket_group,
        dispatch: createDispatch(ctx, log),
        onInvalid: (error) =>
          orchestrator.record({
            type: "COMMAND_REJECTED",
            agent: null,
            severity: "WARNING",
            details: { reason: error.message, error_code: error.code },
          }),
      });
    } catch (error) {
      log.error(`cannot open the command socket: ${error instanceof Error ? error.message : String(error)}`);
      systemd?.dispose();
      adoption.reaper?.dispose();
      await guard?.close();
      lock.release();
      return 1;
    }
    log.info(`listening on ${settings.command_socket_path}`, { mode: `0${settings.command_socket_permissions.toString(8)}` });
  }
  // [http] listen: the HTTP face (src/http/), through the same dispatch as the socket. Loaded only
  // then (node:crypto, the dashboard's pages: some MB of resident memory a serve without it never needs).
  const http = config.http ? (await import("../http/listener.ts")).openHttp({ settings: config.http, ctx, dispatch: createDispatch(ctx, log), log }) : null;
  if (config.http && !http) {
    await listener?.close();
    systemd?.dispose();
    adoption.reaper?.dispose();
    await guard?.close();
    lock.release();
    return 1;
  }

  let quit = false;
  const signals = handleSignals(log, {
    shutdown: () => void shutdown(() => {}),
    kill: () => orchestrator.killEverything(),
    quit: () => {
      quit = true;
      void shutdown(() => {});
      orchestrator.killEverything();
    },
    reload: () => reloadOnHangup(ctx, log),
  });
  const dispose = keepRunningOnBugs(log);
  orchestrator.begin();
  systemd?.begin();

  const result = await finished.promise;
  // Let the shutdown stream's last frame be written before the socket closes.
  await new Promise((resolve) => setImmediate(resolve));
  await listener?.close();
  await http?.close();
  orchestrator.events.close();
  signals.dispose();
  dispose();
  collector.dispose();
  systemd?.dispose();
  agentNotify.dispose();
  adoption.reaper?.dispose();
  await guard?.close();
  lock.release();
  if (!result.allGraceful) log.warn("some agents had to be killed with SIGKILL");
  return quit ? QUIT_EXIT_STATUS : 0;
}

/** A previous serve on this state_dir was killed before it could stop its agents: end them before starting anything. */
async function endPreviousLeftovers(orchestrator: Orchestrator, lock: StateLock, log: Logger): Promise<void> {
  const records = orchestrator.pidRecords.readAll();
  const instances = new Set(records.map((record) => record.instance));
  if (lock.previous) instances.add(lock.previous.instance);
  if (instances.size === 0) return;
  const ended = await endLeftovers({ instances: [...instances], records }, LEFTOVER_GRACE_MS);
  orchestrator.pidRecords.clear();
  if (ended.length > 0) {
    const by = lock.previous ? ` (pid ${lock.previous.pid})` : "";
    log.warn(`ended ${ended.length} process(es) left running by a previous serve${by}`, { pids: ended });
  }
}

/** SIGHUP: the reload command's work; reload.ts logs a rejected file's errors and what needs a restart. */
async function reloadOnHangup(ctx: ServerContext, log: Logger): Promise<void> {
  log.info(`SIGHUP received: reloading ${ctx.config.path}`);
  try {
    await reloadConfiguration(ctx);
  } catch (error) {
    if (error instanceof OrchestratorError && error.code === "CONFIG_ERROR") return;
    log.error(`reload refused: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * SIGTERM/SIGINT: graceful shutdown, a second one kills every agent at once. SIGQUIT: kill every
 * agent at once and exit 131. SIGHUP: reload. Every one has a handler, which PID 1 needs: the
 * kernel drops signals PID 1 has none for.
 */
function handleSignals(log: Logger, actions: { shutdown(): void; kill(): void; quit(): void; reload(): Promise<void> }) {
  let received = 0;
  const onTerminate = (signal: string) => () => {
    received++;
    if (received === 1) {
      log.info(`${signal} received: graceful shutdown`);
      actions.shutdown();
    } else {
      log.warn(`${signal} received again: killing every agent now`);
      actions.kill();
    }
  };
  const onTerm = onTerminate("SIGTERM");
  const onInt = onTerminate("SIGINT");
  const onHup = () => void actions.reload();
  const onQuit = () => {
    received++;
    log.warn(`SIGQUIT received: killing every agent now, then exiting with status ${QUIT_EXIT_STATUS}`);
    actions.quit();
  };
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  process.on("SIGHUP", onHup);
  process.on("SIGQUIT", onQuit);
  return {
    dispose() {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
      process.off("SIGHUP", onHup);
      process.off("SIGQUIT", onQuit);
    },
  };
}

/** A bug in one code path must not take serve down and leave its agents unsupervised. */
function keepRunningOnBugs(log: Logger): () => void {
  const report = (kind: string) => (error: unknown) => log.error(`${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  const onException = report("uncaught exception");
  const onRejection = report("unhandled rejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}
