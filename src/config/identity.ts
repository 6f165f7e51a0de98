// Who an agent runs as and with what: user/group, umask, env_file, and its memory limit.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { lookupGroup, lookupUser } from "./accounts.ts";
import { parseEnvFile } from "./env-file.ts";
import { bad, byteSize, type Check, fail, good, nonEmptyString, read, type Section } from "./schema.ts";
import type { AgentAccount } from "./types.ts";

/** 0o000–0o777; the TOML literal 0o027 arrives as 23; a string "027" is read as octal. */
const umask: Check<number> = (v) => {
  const n = typeof v === "string" && /^0?[0-7]{1,3}$/.test(v) ? Number.parseInt(v, 8) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 && n <= 0o777
    ? good(n)
    : bad('must be an octal mask from 0o000 to 0o777, e.g. 0o027 or "027"', v);
};

export function readAccount(s: Section): AgentAccount | null {
  const user = read(s, "user", nonEmptyString, null);
  const group = read(s, "group", nonEmptyString, null);
  if (user === null) {
    if (group !== null) fail(s, "group", "only allowed together with user");
    return null;
  }
  const account = lookupUser(user);
  if (!account) {
    fail(s, "user", `no user '${user}' in /etc/passwd (give a uid number for accounts from elsewhere)`);
    return null;
  }
  let gid = account.gid;
  if (group !== null) {
    const found = lookupGroup(group);
    if (found === null) fail(s, "group", `no group '${group}' in /etc/group (give a gid number for groups from elsewhere)`);
    else gid = found;
  }
  return { user, uid: account.uid, gid, group, name: account.name, home: account.home };
}

export function readUmask(s: Section): number | null {
  return read(s, "umask", umask, null);
}

export function readMaxMemory(s: Section): number | null {
  const bytes = read(s, "max_memory", byteSize, null);
  if (bytes === 0) fail(s, "max_memory", "must be more than 0 (leave it out for no limit)");
  return bytes === 0 ? null : bytes;
}

/** The env_file's variables, read now (a reload reads it again); each problem names its line. */
export function readEnvFile(s: Section, dir: string): { path: string | null; env: Record<string, string> } {
  const given = read(s, "env_file", nonEmptyString, null);
  if (given === null) return { path: null, env: {} };
  const path = resolve(dir, given);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    fail(s, "env_file", `cannot read ${path} (${code === "ENOENT" ? "no such file" : (code ?? String(error))})`);
    return { path, env: {} };
  }
  const parsed = parseEnvFile(text);
  if (!parsed.ok) {
    for (const error of parsed.errors) fail(s, "env_file", `${path} ${error}`);
    return { path, env: {} };
  }
  return { path, env: parsed.env };
}
