// Names of running agents: a copy of an agent with `instances` is NAME#i.

/** The agent a copy belongs to: `web#2` → `web`; a plain name is its own. */
export function familyOf(name: string): string {
  const hash = name.indexOf("#");
  return hash === -1 ? name : name.slice(0, hash);
}
