// The fallback where serve's death guard (system/death-guard.ts) cannot start, and the default
// for a command check run outside serve. Agents die with serve, even when it is killed with SIGKILL: Linux's parent-death signal
// (PR_SET_PDEATHSIG), armed by util-linux `setpriv --pdeathsig KILL`, which sets it and then execs
// the agent (the setting survives exec). The kernel ties it to the thread that forked the child:
// Bun.spawn forks from the main JS thread, which lives exactly as long as serve. It covers the
// agent's own process; its descendants are found and ended by the next serve (leftovers.ts).

let prefix: string[] | undefined;

/** The argv prefix that arms the parent-death signal, or [] where setpriv cannot (not Linux, too old, missing). */
export function parentDeathPrefix(): string[] {
  if (prefix) return prefix;
  prefix = [];
  if (process.platform !== "linux") return prefix;
  const setpriv = Bun.which("setpriv");
  // --pdeathsig came with util-linux 2.33; probe once rather than parse versions.
  if (setpriv && Bun.spawnSync([setpriv, "--pdeathsig", "KILL", "--", setpriv, "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0) {
    prefix = [setpriv, "--pdeathsig", "KILL", "--"];
  }
  return prefix;
}
