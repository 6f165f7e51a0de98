// The children Bun spawned asynchronously and will reap itself (by pid, once their exit shows).
// The orphan reaper must never wait for one of these: it would take the exit status Bun's
// `exited` is waiting for. So every Bun.spawn in serve registers its child here the moment it
// returns — before any other JS can run — and the entry goes once Bun has reaped it.
// (Bun.spawnSync needs none: it blocks the one JS thread until it has reaped its child.)

const pids = new Map<number, number>();

export function ownChild(child: { readonly pid: number; readonly exited: Promise<unknown> }): void {
  const { pid } = child;
  pids.set(pid, (pids.get(pid) ?? 0) + 1);
  const forget = () => {
    const left = (pids.get(pid) ?? 1) - 1;
    if (left > 0) pids.set(pid, left);
    else pids.delete(pid);
  };
  child.exited.then(forget, forget);
}

export function isOwnChild(pid: number): boolean {
  return pids.has(pid);
}
