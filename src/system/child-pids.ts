// This process's children as the kernel lists them. A child belongs to the thread that forked
// it (or, for an adopted orphan, the thread the kernel picked), so every thread's list is read.
// Where the lists are missing (a kernel without CONFIG_PROC_CHILDREN) the whole of /proc is
// scanned for processes whose parent is us.

import { readdirSync, readFileSync } from "node:fs";

let listsMissing = false;

export function childPids(): number[] {
  if (!listsMissing) {
    try {
      return fromThreadLists();
    } catch {
      listsMissing = true;
    }
  }
  return fromProcScan();
}

function fromThreadLists(): number[] {
  const pids: number[] = [];
  for (const tid of readdirSync("/proc/self/task")) {
    let text: string;
    try {
      text = readFileSync(`/proc/self/task/${tid}/children`, "latin1");
    } catch (error) {
      // A thread that ended between the listing and the read; anything else means no lists.
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && tid !== String(process.pid)) continue;
      throw error;
    }
    for (const pid of text.split(" ")) if (pid !== "") pids.push(Number(pid));
  }
  return pids;
}

function fromProcScan(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      // Fields after the command name (which may hold spaces and parentheses): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ", 2)[1]);
      if (ppid === process.pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
