// `npm run release`: cross-compiles pyorchestrate for every Linux target into build/release/
// (one tar.gz each with the binary, README.md and LICENSE, plus SHA256SUMS), then checks what
// it built: the archives' contents, each binary's ELF machine and libc, and smoke tests of
// what this machine can run (x64 natively, arm64 glibc under qemu-aarch64-static).
//
//   npm run release
//   node_modules/.bin/bun scripts/release.ts --targets linux-x64,linux-arm64   # a subset

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { archiveTime, makeArchive, unpackAndCheck, writeChecksums } from "./release/archive.ts";
import { readElf } from "./release/elf.ts";
import { mustRun, ReleaseError } from "./release/run.ts";
import { qemuMissing, smokeOffline, smokeServe } from "./release/smoke.ts";
import { elfProblems, TARGETS, type Target } from "./release/targets.ts";

const ROOT = resolve(import.meta.dir, "..");
const OUT = join(ROOT, "build/release");
const STAGE = join(ROOT, "build/release-stage");
const EXAMPLE_CONFIG = join(ROOT, "examples/weather/pyorchestrate.toml");
// The "build" script's flags, so a release binary is the binary `npm run build` makes. --splitting:
// each command's code (and the node: modules it imports) is loaded only when that command runs;
// --bytecode (ESM: --splitting needs it): the chunks are compiled ahead, not parsed at start-up.
const BUILD_FLAGS = [
  "--compile",
  "--splitting",
  "--bytecode",
  "--format=esm",
  "--minify",
  "--sourcemap",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

interface Packed {
  target: Target;
  archive: string;
  binaryBytes: number;
  archiveBytes: number;
  buildSeconds: number;
}

interface Built extends Packed {
  /** What was checked, for the report. */
  checks: string;
}

const started = performance.now();
const log = (line: string) => process.stderr.write(`[release ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
const seconds = (since: number) => (performance.now() - since) / 1000;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function chosenTargets(): Target[] {
  const usage = `usage: bun scripts/release.ts [--targets ${TARGETS.map((t) => t.platform).join(",")}]`;
  let values: { targets?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { targets: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (error) {
    throw new ReleaseError(`${(error as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (!values.targets) return [...TARGETS];
  return values.targets.split(",").map((name) => {
    const target = TARGETS.find((t) => t.platform === name);
    if (!target) throw new ReleaseError(`unknown target '${name}' (known: ${TARGETS.map((t) => t.platform).join(", ")})`);
    return target;
  });
}

function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version?: string };
  // It becomes part of file names and is compiled in as a string literal: keep it to semver's characters.
  if (!version || !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) throw new ReleaseError(`package.json has no usable version (got '${version}')`);
  return version;
}

/** Refuses early, before minutes of building, when the smoke tests could not run here. */
function preflight(targets: Target[]): void {
  const smokes = new Set(targets.map((t) => t.smoke));
  if (smokes.has("native") && (process.platform !== "linux" || process.arch !== "x64")) {
    throw new ReleaseError(`the smoke tests run the linux-x64 binary natively, so they need a Linux x64 machine (this is ${process.platform}-${process.arch})`);
  }
  const missing = smokes.has("qemu-aarch64") ? qemuMissing() : null;
  if (missing) throw new ReleaseError(`the linux-arm64 smoke test needs qemu: ${missing}`);
}

interface Staged {
  target: Target;
  dir: string;
  binaryBytes: number;
  buildSeconds: number;
}

/** Compiles one target into its staging folder beside README.md and LICENSE. */
async function compile(target: Target, version: string): Promise<Staged> {
  const dir = join(STAGE, target.platform);
  mkdirSync(dir, { recursive: true });
  const binary = join(dir, "pyorchestrate");
  const since = performance.now();
  await mustRun(
    `building ${target.platform}`,
    [
      process.execPath,
      "build",
      "src/main.ts",
      `--target=${target.bunTarget}`,
      ...BUILD_FLAGS,
      "--define",
      `PYORCHESTRATE_VERSION=${JSON.stringify(version)}`,
      "--outfile",
      binary,
    ],
    { cwd: ROOT, timeoutMs: 300_000 },
  );
  const buildSeconds = seconds(since);
  // --sourcemap embeds the maps in the binary; the .map files beside it (one per chunk) are not shipped.
  for (const name of readdirSync(dir)) if (name.endsWith(".map")) rmSync(join(dir, name), { force: true });
  copyFileSync(join(ROOT, "README.md"), join(dir, "README.md"));
  copyFileSync(join(ROOT, "LICENSE"), join(dir, "LICENSE"));
  log(`built ${target.platform} in ${buildSeconds.toFixed(1)} s`);
  return { target, dir, binaryBytes: statSync(binary).size, buildSeconds };
}

async function pack(staged: Staged, version: string, mtime: number): Promise<Packed> {
  const archive = join(OUT, `pyorchestrate-${version}-${staged.target.platform}.tar.gz`);
  await makeArchive(staged.dir, archive, mtime);
  return { target: staged.target, archive, binaryBytes: staged.binaryBytes, archiveBytes: statSync(archive).size, buildSeconds: staged.buildSeconds };
}

/** Unpacks one archive as a user would and checks what is inside; returns what was checked. */
async function check(built: Packed, version: string): Promise<string> {
  const { target } = built;
  const dir = mkdtempSync("/tmp/pyo-rel-");
  try {
    const binary = await unpackAndCheck(built.archive, dir);
    const facts = readElf(binary);
    const problems = elfProblems(target, facts);
    if (problems.length > 0) throw new ReleaseError(`${target.platform}: the binary is not what it should be:\n  ${problems.join("\n  ")}`);
    const elf = `ELF ${facts.machine}, ${facts.interpreter}, needs ${facts.needed.join(" ")}`;
    if (target.smoke === "elf-only") return `${elf} (not run: needs musl's libstdc++/libgcc)`;
    await smokeOffline(binary, target.smoke, version, EXAMPLE_CONFIG);
    if (target.smoke === "qemu-aarch64") return `${elf}; --version and validate under qemu-aarch64-static`;
    await smokeServe(binary);
    return `${elf}; --version, validate, serve + ps --json + shutdown`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const targets = chosenTargets();
  const version = packageVersion();
  preflight(targets);
  rmSync(OUT, { recursive: true, force: true });
  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const mtime = await archiveTime(ROOT);
  try {
    log(`pyorchestrate ${version}: ${targets.map((t) => t.bunTarget).join(", ")}`);
    // One build at a time (Bun downloads a target's runtime on first use); each archive is
    // compressed while the next target builds.
    const packing: Promise<Packed>[] = [];
    for (const target of targets) {
      const packed = pack(await compile(target, version), version, mtime);
      packed.catch(() => {}); // reported by Promise.all below, not as an unhandled rejection meanwhile
      packing.push(packed);
    }
    const done = await Promise.all(packing);
    await writeChecksums(
      OUT,
      done.map((b) => b.archive.slice(OUT.length + 1)),
    );
    log("SHA256SUMS written and checked with sha256sum --check");

    const results = await Promise.all(
      done.map(async (built): Promise<Built> => {
        const checks = await check(built, version);
        log(`checked ${built.target.platform}`);
        return { ...built, checks };
      }),
    );
    report(results);
  } finally {
    rmSync(STAGE, { recursive: true, force: true });
  }
}

function report(results: Built[]): void {
  const rows = results.map(
    (r) =>
      `  ${r.archive.slice(OUT.length + 1).padEnd(44)} binary ${mb(r.binaryBytes).padStart(8)}  archive ${mb(r.archiveBytes).padStart(7)}  built in ${r.buildSeconds.toFixed(1)} s\n    ${r.checks}\n`,
  );
  process.stdout.write(`build/release/ (${seconds(started).toFixed(0)} s in all):\n${rows.join("")}  SHA256SUMS\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`release failed: ${error instanceof ReleaseError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = 1;
}
