// Who an agent's processes run as: the account of `user`/`group` (through setpriv, which serve
// must be root to use for another account) and the environment a login would give it.

import type { AgentConfig } from "../config/types.ts";

/** A start that can never work as configured: retrying it would only wait out backoffs. */
export class LaunchRefusedError extends Error {
  override name = "LaunchRefusedError";
}

/**
 * The argv prefix for one agent: `base` (the parent-death prefix, `setpriv … --` or empty) with
 * the account switch added. Throws with the reason when the account cannot be taken.
 */
export function launchPrefix(config: AgentConfig, base: readonly string[]): string[] {
  const account = config.user;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (!account || (account.uid === uid && account.gid === gid)) return [...base];
  if (uid !== 0) {
    throw new LaunchRefusedError(`user '${account.user}': serve runs as uid ${uid}, not root, so it cannot start agents as another user`);
  }
  const setpriv = base[0] ?? Bun.which("setpriv");
  if (!setpriv) throw new LaunchRefusedError(`user '${account.user}': running an agent as another user needs setpriv (util-linux)`);
  const options = base.slice(1, -1);
  // Supplementary groups come from the account's name; a bare uid gets none.
  const groups = account.name ? "--init-groups" : "--clear-groups";
  return [setpriv, ...options, `--reuid=${account.uid}`, `--regid=${account.gid}`, groups, "--"];
}

/** HOME, USER and LOGNAME of the agent's account; serve's own when it has none. */
export function accountEnv(config: AgentConfig): Record<string, string> {
  const account = config.user;
  if (!account) return {};
  const env: Record<string, string> = {};
  if (account.home) env.HOME = account.home;
  if (account.name) {
    env.USER = account.name;
    env.LOGNAME = account.name;
  }
  return env;
}
