// The notify receiver (src/system/notify-receiver.ts) on real sockets: credentials from the
// kernel for this process and for children (one running as another user), sd_notify's parsing,
// permissions, close and dispose leaving no file, fd or thread behind, and bursts.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseNotifyFields } from "../../src/system/notify-fields.ts";
import { createNotifyReceiver, type NotifyMessage, type NotifyReceiver } from "../../src/system/notify-receiver.ts";
import { closeSocket, openDatagramSocket, SystemCallError, sendDatagram, unixAddress } from "../../src/system/unix-datagram.ts";
import { waitFor } from "../helpers/wait.ts";

const PYTHON = "/usr/bin/python3";
const encode = (text: string) => new TextEncoder().encode(text);

let dir: string;
let heard: Array<{ key: string; message: NotifyMessage }>;
let receiver: NotifyReceiver;

/** Sends `text` from this process; the error code when it cannot be sent. */
function send(path: string, text: string, blocking = false): string | null {
  const fd = openDatagramSocket(!blocking);
  try {
    sendDatagram(fd, unixAddress(path), encode(text));
    return null;
  } catch (error) {
    if (error instanceof SystemCallError) return error.code;
    throw error;
  } finally {
    closeSocket(fd);
  }
}

/** A Python child that sends `text` to `path` (optionally as another user); its pid and what it printed. */
async function pythonSend(path: string, text: string, options: { asUser?: number; script?: string } = {}) {
  const script =
    options.script ??
    `import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    s.sendto(sys.argv[2].encode(), sys.argv[1])
    print("sent")
except OSError as e:
    print(__import__("errno").errorcode[e.errno])`;
  const user = options.asUser;
  const prefix = user === undefined ? [] : ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups"];
  const proc = Bun.spawn([...prefix, PYTHON, "-c", script, path, text], { stdout: "pipe", stderr: "inherit" });
  const printed = (await new Response(proc.stdout).text()).trim();
  await proc.exited;
  return { pid: proc.pid, printed };
}

/** Open descriptors but pipes: a child process's pipes (Bun.spawn's) close on their own schedule. */
const openFds = () => readdirSync("/proc/self/fd").filter((fd) => !(readlinkOrNull(`/proc/self/fd/${fd}`) ?? "pipe:").startsWith("pipe:")).length;

function readlinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}
/** Threads of this process that Bun names "Worker": the receivers' (the GC's come and go). */
const workerThreads = () => readdirSync("/proc/self/task").filter((task) => readFileSync(`/proc/self/task/${task}/comm`, "utf8").trim() === "Worker").length;

describe("notify receiver", () => {
  beforeEach(() => {
    dir = mkdtempSync("/tmp/pyo-nr-");
    heard = [];
    const made = createNotifyReceiver((key, message) => heard.push({ key, message }));
    if ("problem" in made) throw new Error(made.problem);
    receiver = made;
  });

  afterEach(() => {
    receiver.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a datagram from this process arrives with this process's pid, uid and gid, parsed as sd_notify does", async () => {
    const path = join(dir, "a.sock");
    receiver.open("Api", path, null);
    const raw = "READY=1\nSTATUS=warming up: 3/5\nno equals sign\n=no key\nSTATUS=second\nEMPTY=\nX=a=b\n";
    expect(send(path, raw)).toBeNull();
    await waitFor(() => heard.length === 1, "the datagram");
    expect(heard).toEqual([
      {
        key: "Api",
        message: {
          fields: { READY: "1", STATUS: "warming up: 3/5", EMPTY: "", X: "a=b" },
          raw,
          pid: process.pid,
          uid: process.getuid?.() ?? -1,
          gid: process.getgid?.() ?? -1,
        },
      },
    ]);
  });

  test("the socket file is 0600, chowned to its owner, replaces a stale file; only its owner (and root) can send", async () => {
    const path = join(dir, "owned.sock");
    chmodSync(dir, 0o711); // as serve makes its notify folder: others may reach a socket they own
    writeFileSync(path, "stale");
    receiver.open("Worker", path, { uid: 65534, gid: 65534 });
    const stat = statSync(path);
    expect({ socket: stat.isSocket(), mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid }).toEqual({ socket: true, mode: 0o600, uid: 65534, gid: 65534 });

    const nobody = await pythonSend(path, "READY=1\nSTATUS=as nobody", { asUser: 65534 });
    expect(nobody.printed).toBe("sent");
    await waitFor(() => heard.length === 1, "the datagram from nobody");
    expect(heard[0]).toEqual({
      key: "Worker",
      message: { fields: { READY: "1", STATUS: "as nobody" }, raw: "READY=1\nSTATUS=as nobody", pid: nobody.pid, uid: 65534, gid: 65534 },
    });

    // Another account cannot write to a 0600 socket it does not own.
    const rootOwned = join(dir, "root.sock");
    receiver.open("Root", rootOwned, null);
    expect((await pythonSend(rootOwned, "READY=1", { asUser: 65534 })).printed).toBe("EACCES");
  });

  test("a datagram from a child process carries the child's pid", async () => {
    const path = join(dir, "child.sock");
    receiver.open("Child", path, null);
    const child = await pythonSend(path, "READY=1");
    expect(child.printed).toBe("sent");
    await waitFor(() => heard.length === 1, "the child's datagram");
    expect(heard[0]?.message.pid).toBe(child.pid);
    expect(child.pid).not.toBe(process.pid);
  });

  test("each key gets its own datagrams; reopening a key replaces its socket", async () => {
    const [a, b, c] = ["a.sock", "b.sock", "c.sock"].map((name) => join(dir, name)) as [string, string, string];
    receiver.open("A", a, null);
    receiver.open("B", b, null);
    receiver.open("A", c, null);
    expect(existsSync(a)).toBe(false);
    expect(send(a, "STATUS=old A")).toBe("ENOENT");
    expect(send(b, "STATUS=B")).toBeNull();
    expect(send(c, "STATUS=new A")).toBeNull();
    await waitFor(() => heard.length === 2, "two datagrams");
    expect(heard.map(({ key, message }) => [key, message.fields.STATUS]).sort()).toEqual([
      ["A", "new A"],
      ["B", "B"],
    ]);
  });

  test("close() removes the file: later sends fail with ENOENT, and a bound-less file refuses with ECONNREFUSED", async () => {
    const path = join(dir, "closed.sock");
    receiver.open("Gone", path, null);
    expect(send(path, "READY=1")).toBeNull();
    await waitFor(() => heard.length === 1, "the datagram before close");
    receiver.close("Gone");
    expect(existsSync(path)).toBe(false);
    expect(send(path, "READY=1")).toBe("ENOENT");
    receiver.close("Gone"); // twice is harmless

    // A socket file nobody receives on any more (what a crash leaves behind) refuses.
    const leftover = Bun.spawnSync([PYTHON, "-c", "import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])", path]);
    expect(leftover.exitCode).toBe(0);
    expect(send(path, "READY=1")).toBe("ECONNREFUSED");
    // …and open() replaces it.
    receiver.open("Again", path, null);
    expect(send(path, "READY=1")).toBeNull();
    await waitFor(() => heard.length === 2, "the datagram after reopening");
    expect(heard[1]?.key).toBe("Again");
  });

  test("a datagram longer than 4 KiB keeps its first 4096 bytes, without the line cut in two", async () => {
    const path = join(dir, "long.sock");
    receiver.open("Long", path, null);
    const long = `READY=1\nSTATUS=${"x".repeat(5000)}\n`;
    expect(send(path, long)).toBeNull();
    await waitFor(() => heard.length === 1, "the long datagram");
    const { fields, raw } = (heard[0] as { message: NotifyMessage }).message;
    expect({ fields, rawBytes: encode(raw).length }).toEqual({ fields: { READY: "1" }, rawBytes: 4096 });
  });

  test("descriptors a sender attaches (SCM_RIGHTS) are closed once handled, not leaked into serve", async () => {
    const path = join(dir, "fds.sock");
    receiver.open("Fds", path, null);
    // The sender passes descriptors of a file of its own: this process's descriptors of that file
    // are the received ones and nothing else (a count of all descriptors moves with other work).
    const passed = join(dir, "passed");
    writeFileSync(passed, "");
    const held = () => readdirSync("/proc/self/fd").filter((fd) => readlinkOrNull(`/proc/self/fd/${fd}`) === passed).length;
    const script = `import array, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
files = [open(sys.argv[2]) for _ in range(5)]
for i in range(3):
    s.sendmsg([b"READY=1"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [f.fileno() for f in files]))], 0, sys.argv[1])
print("sent")`;
    expect((await pythonSend(path, passed, { script })).printed).toBe("sent");
    await waitFor(() => heard.length === 3, "three datagrams with descriptors");
    // The thread closes them after the batch is handled (its "release"), a moment later.
    await waitFor(() => held() === 0, "the 15 received descriptors closed");
    expect(held()).toBe(0);
  });

  test("a sender waiting on BARRIER=1 (sd_notify_barrier) is alive while its message is handled, then released", async () => {
    const path = join(dir, "barrier.sock");
    const seen: Array<{ ready: string | undefined; senderState: string }> = [];
    const barrierReceiver = createNotifyReceiver((_key, message) => {
      if (message.fields.BARRIER) return;
      // The process's state letter (Z for a zombie), or "gone".
      let senderState = "gone";
      try {
        senderState = readFileSync(`/proc/${message.pid}/stat`, "utf8").split(") ")[1]?.[0] ?? "?";
      } catch {}
      seen.push({ ready: message.fields.READY, senderState });
    });
    if ("problem" in barrierReceiver) throw new Error(barrierReceiver.problem);
    try {
      barrierReceiver.open("Barrier", path, null);
      // What systemd-notify does: the message, then BARRIER=1 with a pipe, and wait for it to close.
      const script = `import array, os, select, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", sys.argv[1])
r, w = os.pipe()
s.sendmsg([b"BARRIER=1"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w]))], 0, sys.argv[1])
os.close(w)
p = select.poll()
p.register(r, 0)
print("released" if p.poll(5000) else "timeout")`;
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push((await pythonSend(path, "", { script })).printed);
      expect(outcomes).toEqual(Array(5).fill("released"));
      await waitFor(() => seen.length === 5, "five READY=1");
      expect(seen.every(({ ready, senderState }) => ready === "1" && senderState !== "gone" && senderState !== "Z")).toBe(true);
    } finally {
      barrierReceiver.dispose();
    }
  });

  test("1,000 datagrams in a burst from a blocking sender all arrive, in order", async () => {
    const path = join(dir, "burst.sock");
    receiver.open("Burst", path, null);
    // The kernel queues only net.unix.max_dgram_qlen datagrams per socket (10 by default): a
    // blocking sender waits for the receiving thread to make room, so nothing is lost.
    for (let i = 0; i < 1000; i++) expect(send(path, `N=${i}`, true)).toBeNull();
    await waitFor(() => heard.length === 1000, "1,000 datagrams");
    expect(heard.map(({ message }) => Number(message.fields.N))).toEqual([...Array(1000).keys()]);
  });

  test("a non-blocking burst: what the full queue refuses is EAGAIN at the sender, never a silent drop", async () => {
    const path = join(dir, "nonblocking.sock");
    receiver.open("Burst", path, null);
    const fd = openDatagramSocket(true);
    const accepted: number[] = [];
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      try {
        sendDatagram(fd, unixAddress(path), encode(`N=${i}`));
        accepted.push(i);
      } catch (error) {
        // errno 11 is EAGAIN and EWOULDBLOCK alike; errnoName gives the latter.
        if (!(error instanceof SystemCallError) || !["EAGAIN", "EWOULDBLOCK"].includes(error.code)) throw error;
        refused++;
      }
    }
    closeSocket(fd);
    await waitFor(() => heard.length === accepted.length, `${accepted.length} accepted datagrams`);
    await Bun.sleep(50); // nothing more may come
    expect(heard.map(({ message }) => Number(message.fields.N))).toEqual(accepted);
    expect(accepted.length + refused).toBe(1000);
  });

  test("open() reports what failed as a SystemCallError", () => {
    expect(() => receiver.open("Nowhere", join(dir, "missing/dir/x.sock"), null)).toThrow(SystemCallError);
    expect(() => receiver.open("Abstract", "@pyo-abstract", null)).toThrow(SystemCallError);
  });
});

test("dispose() with open sockets removes their files and leaves no descriptor or thread behind", async () => {
  await waitFor(() => workerThreads() === 0, "the earlier receivers' threads to end");
  const fds = openFds();
  const made = createNotifyReceiver(() => {});
  if ("problem" in made) throw new Error(made.problem);
  const folder = mkdtempSync("/tmp/pyo-nr-");
  const paths = [1, 2, 3].map((n) => join(folder, `${n}.sock`));
  for (const [n, path] of paths.entries()) made.open(`agent${n}`, path, null);
  await waitFor(() => workerThreads() === 1, "the receiver's thread");
  // Three sockets and the eventfd, and the thread's own event loop.
  expect(openFds()).toBeGreaterThanOrEqual(fds + 4);
  made.dispose();
  expect(paths.filter((path) => existsSync(path))).toEqual([]);
  await waitFor(() => workerThreads() === 0 && openFds() === fds, "the thread and its descriptors to go");
  expect(() => made.open("late", join(folder, "late.sock"), null)).toThrow(SystemCallError);
  made.dispose(); // twice is harmless
  rmSync(folder, { recursive: true, force: true });
});

test("parseNotifyFields: first value wins, malformed and NUL lines are ignored, __proto__ is a plain key", () => {
  expect(parseNotifyFields("A=1\nA=2\nB\n\nC=x\0y\n__proto__=p\nD=last", false)).toEqual({ A: "1", ["__proto__"]: "p", D: "last" });
  expect(parseNotifyFields("A=1\nB=cut", true)).toEqual({ A: "1" });
});
