// Archives and checksums: the tar.gz of one target's files, and SHA256SUMS over all of them.

import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { mustRun, ReleaseError, run } from "./run.ts";

/** What each archive holds, flat (no top folder), so `tar -xzf X pyorchestrate` gives the binary. */
export const ARCHIVE_FILES = ["LICENSE", "README.md", "pyorchestrate"] as const;

/**
 * The files' time in the archives: SOURCE_DATE_EPOCH if set, else the last commit's, so two
 * releases of one commit differ only where the Bun runtime itself does.
 */
export async function archiveTime(repo: string): Promise<number> {
  const fromEnv = Number(process.env.SOURCE_DATE_EPOCH);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const ran = await run(["git", "log", "-1", "--format=%ct"], { cwd: repo });
  const fromGit = Number(ran.stdout.trim());
  return ran.code === 0 && Number.isInteger(fromGit) && fromGit > 0 ? fromGit : Math.floor(Date.now() / 1000);
}

/** tar.gz of ARCHIVE_FILES in `dir`: sorted, owned by 0:0, one mtime, gzip without a name or time stamp. */
export async function makeArchive(dir: string, out: string, mtime: number): Promise<void> {
  await mustRun(`archiving ${basename(out)}`, [
    "tar",
    "--create",
    `--file=${out}`,
    `--directory=${dir}`,
    "--use-compress-program=gzip -n",
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mode=u+rw,go+r,go-w",
    `--mtime=@${mtime}`,
    ...ARCHIVE_FILES,
  ]);
}

export async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** Writes `dir`/SHA256SUMS for `names` (in `dir`), in the format `sha256sum -c` reads, then has sha256sum check it. */
export async function writeChecksums(dir: string, names: string[]): Promise<void> {
  const lines = await Promise.all(names.map(async (name) => `${await sha256(join(dir, name))}  ${name}\n`));
  writeFileSync(join(dir, "SHA256SUMS"), lines.join(""));
  await mustRun("checking SHA256SUMS with sha256sum", ["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], { cwd: dir });
}

/** Unpacks an archive into `into` and checks it holds exactly ARCHIVE_FILES, the binary executable. */
export async function unpackAndCheck(archive: string, into: string): Promise<string> {
  const listing = await mustRun(`listing ${basename(archive)}`, ["tar", "--list", "--verbose", "--gzip", `--file=${archive}`]);
  const entries = listing
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
  const names = entries.map((fields) => fields.at(-1) ?? "").sort();
  if (JSON.stringify(names) !== JSON.stringify([...ARCHIVE_FILES])) {
    throw new ReleaseError(`${basename(archive)} holds [${names.join(", ")}], expected [${ARCHIVE_FILES.join(", ")}]`);
  }
  const binaryMode = entries.find((fields) => fields.at(-1) === "pyorchestrate")?.[0];
  if (binaryMode !== "-rwxr-xr-x") throw new ReleaseError(`${basename(archive)}: pyorchestrate has mode ${binaryMode}, expected -rwxr-xr-x`);
  await mustRun(`unpacking ${basename(archive)}`, ["tar", "--extract", "--gzip", `--file=${archive}`, `--directory=${into}`]);
  return join(into, "pyorchestrate");
}
