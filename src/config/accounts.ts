// Users and groups by name or number, from /etc/passwd and /etc/group (the files every Linux
// system has; accounts that exist only in LDAP or another NSS source can be given by number).

import { readFileSync } from "node:fs";

export interface Account {
  name: string | null;
  uid: number;
  gid: number;
  home: string | null;
}

function entries(file: string): string[][] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.split(":"));
  } catch {
    return [];
  }
}

const isNumber = (text: string) => /^\d+$/.test(text);

/** A user by name or uid; a uid not in /etc/passwd is taken as is, with its own number as group. */
export function lookupUser(user: string): Account | null {
  for (const [name = "", , uid = "", gid = "", , home = ""] of entries("/etc/passwd")) {
    if (name === user || uid === user) return { name, uid: Number(uid), gid: Number(gid), home: home || null };
  }
  return isNumber(user) ? { name: null, uid: Number(user), gid: Number(user), home: null } : null;
}

/** A group id by name or number; null when the name is unknown. */
export function lookupGroup(group: string): number | null {
  if (isNumber(group)) return Number(group);
  for (const [name, , gid = ""] of entries("/etc/group")) if (name === group) return Number(gid);
  return null;
}
