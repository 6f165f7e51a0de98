// pyorchestrate export through the compiled binary, as an operator runs it: the bundled example to
// all three targets on stdout and into --out, the report on stderr, --strict, and usage errors.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { cli } from "../helpers/cli.ts";

const ROOT = resolve(import.meta.dir, "../..");
const WEATHER = join(ROOT, "examples/weather/pyorchestrate.toml");
const MINIMAL = join(ROOT, "test/fixtures/export/minimal.toml");
const IMAGE = "registry.example/weather:1";
const USAGE = "Usage: pyorchestrate export <TARGET> [config]";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const temp = () => {
  const dir = mkdtempSync("/tmp/pyo-export-");
  dirs.push(dir);
  return dir;
};

describe("export to stdout", () => {
  test.concurrent("systemd: units each under a '# file:' line; the report on stderr", async () => {
    const ran = await cli(["export", "systemd", WEATHER]);
    expect(ran.code).toBe(0);
    expect([...ran.stdout.matchAll(/^# file: (.+)$/gm)].map((m) => m[1])).toEqual([
      "WeatherOrchestrator-CacheWarmup.service",
      "WeatherOrchestrator-WeatherAgent.service",
      "WeatherOrchestrator-WeatherAgent.timer",
      "WeatherOrchestrator-DataProcessor.service",
      "WeatherOrchestrator-AlertManager.service",
      "WeatherOrchestrator.target",
    ]);
    expect(ran.stderr).toContain("AGENT           KEY                       SYSTEMD");
    expect(ran.stderr).toMatch(/DataProcessor +ready +✗ /);
    expect(ran.stderr).toMatch(/\d+ converted \(✓\), \d+ approximated \(~\), \d+ without equivalent \(✗\)/);
  });

  test.concurrent("kubernetes: a '---' separated YAML stream; --json: one List", async () => {
    const yaml = await cli(["export", "kubernetes", WEATHER, "--image", IMAGE]);
    expect(yaml.code).toBe(0);
    const docs = yaml.stdout
      .split(/^---\n/m)
      .filter(Boolean)
      .map((d) => Bun.YAML.parse(d) as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(["ServiceAccount", "Role", "RoleBinding", "Job", "Deployment", "Deployment", "Deployment"]);
    const json = await cli(["export", "kubernetes", WEATHER, "--image", IMAGE, "--json"]);
    const list = JSON.parse(json.stdout) as { kind: string; items: unknown[] };
    expect([list.kind, list.items]).toEqual(["List", docs]);
  });

  test.concurrent("nomad: HCL, or the API's JSON with --json", async () => {
    const hcl = await cli(["export", "nomad", WEATHER, "--image", IMAGE]);
    expect(hcl.code).toBe(0);
    expect(hcl.stdout).toStartWith("# file: weatherorchestrator.nomad.hcl\n");
    expect(hcl.stdout).toContain('job "weatherorchestrator" {');
    const json = await cli(["export", "nomad", WEATHER, "--image", IMAGE, "--json"]);
    expect((JSON.parse(json.stdout) as { Job: { ID: string } }).Job.ID).toBe("weatherorchestrator");
  });
});

describe("--out and --strict", () => {
  test.concurrent("--out writes one file per object and says so on stderr", async () => {
    const dir = join(temp(), "units");
    const ran = await cli(["export", "systemd", WEATHER, "--out", dir]);
    expect([ran.code, ran.stdout]).toEqual([0, ""]);
    expect(ran.stderr).toContain(`wrote 6 file(s) to ${dir}`);
    expect(readdirSync(dir).sort()).toContain("WeatherOrchestrator.target");
    expect(readFileSync(join(dir, "WeatherOrchestrator-WeatherAgent.timer"), "utf8")).toContain("OnUnitInactiveSec=10");
    const k8s = join(temp(), "k8s");
    await cli(["export", "kubernetes", WEATHER, "--image", IMAGE, "--out", k8s, "--sidecars"]);
    expect(readdirSync(k8s).sort()).toContain("alertmanager-deployment.yaml");
  });

  test.concurrent("--strict: lossy conversions are errors, nothing is written (exit 1)", async () => {
    const dir = join(temp(), "strict");
    const ran = await cli(["export", "nomad", WEATHER, "--image", IMAGE, "--strict", "--out", dir]);
    expect([ran.code, ran.stdout]).toEqual([1, ""]);
    expect(ran.stderr).toMatch(/✗ --strict: \d+ key\(s\) approximated or without equivalent; nothing written/);
    expect(() => readdirSync(dir)).toThrow();
  });

  test.concurrent("--strict passes a config that converts whole", async () => {
    const ran = await cli(["export", "systemd", MINIMAL, "--strict"]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("# file: minimal-web.service");
  });
});

describe("errors", () => {
  const cases: Array<[string[], string]> = [
    [["export"], "Missing required positional argument: TARGET"],
    [["export", "docker", WEATHER], "unknown target 'docker' (expected systemd, kubernetes, nomad)"],
    [["export", "kubernetes", WEATHER], "--image is required for kubernetes"],
    [["export", "systemd", WEATHER, "--json"], "systemd units have no JSON form"],
    [["export", "nomad", WEATHER, "--image", IMAGE, "--sidecars"], "--sidecars applies to kubernetes only"],
    [["export", "systemd", WEATHER, "--bogus"], "unknown option '--bogus'"],
  ];
  for (const [args, message] of cases) {
    test.concurrent(`${args.slice(1).join(" ").replace(ROOT, ".")}: usage error, exit 2`, async () => {
      const ran = await cli(args);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(message);
      expect(ran.stderr).toContain(USAGE);
    });
  }

  test.concurrent("a bad config: its errors, exit 1, nothing on stdout", async () => {
    const ran = await cli(["export", "systemd", join(ROOT, "test/fixtures/e2e-invalid.toml")]);
    expect([ran.code, ran.stdout]).toEqual([1, ""]);
    expect(ran.stderr).toMatch(/^✗ /m);
  });
});
