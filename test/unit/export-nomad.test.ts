// export nomad: the HCL parses back and every block and attribute is one Nomad's job
// specification has (test/fixtures/export/nomad-spec.ts), the API JSON uses the api package's
// field names, and the rules Nomad validates a job by hold. No Nomad agent runs here.

import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { exportNomad } from "../../src/export/nomad.ts";
import { hclProblems, type ParsedBlock, parseHcl, SPEC } from "../fixtures/export/nomad-spec.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CONFIGS = {
  weather: join(ROOT, "examples/weather/pyorchestrate.toml"),
  full: join(ROOT, "test/fixtures/export/full.toml"),
  minimal: join(ROOT, "test/fixtures/export/minimal.toml"),
};
const IMAGE = "registry.example/agents:1.0";

async function load(path: string): Promise<Config> {
  const loaded = await loadConfig(path);
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  return loaded.config;
}

async function jobs(path: string): Promise<ParsedBlock[]> {
  return exportNomad(await load(path), { image: IMAGE, sidecars: false, json: false }).files.map((f) => parseHcl(f.content));
}

const seconds = (d: unknown) => {
  const m = /^(\d+)(ms|s)$/.exec(String(d));
  return m ? Number(m[1]) / (m[2] === "ms" ? 1000 : 1) : Number.NaN;
};
const child = (b: ParsedBlock, type: string) => b.blocks.filter((c) => c.type === type);

/** The rules of nomad/structs' Validate that the export could break. */
function ruleProblems(job: ParsedBlock): string[] {
  const problems: string[] = [];
  const type = job.attributes.get("type");
  if (child(job, "periodic").length > 0 && type !== "batch") problems.push(`${job.labels[0]}: periodic on a ${type} job`);
  for (const group of child(job, "group")) {
    const tasks = child(group, "task");
    const hooks = tasks.map((t) => child(t, "lifecycle")[0]?.attributes.get("hook") ?? "main");
    if (!hooks.includes("main")) problems.push(`group ${group.labels[0]}: no main task`);
    for (const hook of hooks) if (!["main", "prestart", "poststart", "poststop"].includes(String(hook))) problems.push(`hook ${hook}`);
    if (group.attributes.has("max_run_duration") && type !== "batch") problems.push(`group ${group.labels[0]}: max_run_duration on a ${type} job`);
    const ports = child(group, "network").flatMap((n) => child(n, "port").map((p) => p.labels[0]));
    for (const task of tasks) {
      for (const label of (child(task, "config")[0]?.attributes.get("ports") as string[] | undefined) ?? []) {
        if (!ports.includes(label)) problems.push(`task ${task.labels[0]}: port ${label} not in the group's network`);
      }
      for (const restart of child(task, "restart")) {
        const [attempts, interval, delay, mode] = ["attempts", "interval", "delay", "mode"].map((k) => restart.attributes.get(k));
        if (!["delay", "fail"].includes(String(mode))) problems.push(`restart mode ${mode}`);
        if (attempts === 0 && mode !== "fail") problems.push("restart: 0 attempts need mode fail");
        if (seconds(interval) < 5) problems.push(`restart interval ${interval} under 5s`);
        if (Number(attempts) * seconds(delay) > seconds(interval)) problems.push("restart: attempts × delay > interval");
      }
      for (const check of child(task, "service").flatMap((s) => child(s, "check"))) {
        if (seconds(check.attributes.get("interval")) < 1 || seconds(check.attributes.get("timeout")) < 1) problems.push("check interval/timeout under 1s");
        if (!["http", "tcp", "script"].includes(String(check.attributes.get("type")))) problems.push("check type");
      }
    }
  }
  return problems;
}

describe("Nomad job specification", () => {
  for (const [name, path] of Object.entries(CONFIGS)) {
    test(`${name}: every block and attribute is in the spec, and Nomad's rules hold`, async () => {
      for (const job of await jobs(path))
        expect({ job: job.labels[0], problems: [...hclProblems(job), ...ruleProblems(job)] }).toEqual({ job: job.labels[0], problems: [] });
    });
    test(`${name}: the JSON form uses the API's field names`, async () => {
      const { files } = exportNomad(await load(path), { image: IMAGE, sidecars: false, json: true });
      const allowed = new Set(["Job", "ID", "Name", "Label", "SpecType", "DynamicPorts", ...Object.values(SPEC).flatMap((s) => Object.values(s.json))]);
      const walk = (value: unknown, path: string): string[] => {
        if (Array.isArray(value)) return value.flatMap((v, i) => walk(v, `${path}[${i}]`));
        if (value === null || typeof value !== "object") return [];
        return Object.entries(value).flatMap(([k, v]) => [
          ...(allowed.has(k) || path.endsWith(".Env") ? [] : [`${path}.${k}`]),
          ...(path.endsWith(".Env") ? [] : walk(v, `${path}.${k}`)),
        ]);
      };
      for (const file of files) expect(walk(JSON.parse(file.content), "")).toEqual([]);
    });
  }
  test("the spec check catches an unknown attribute and a misplaced block (the test is not vacuous)", () => {
    const job = parseHcl(
      'job "x" {\n  type = "service"\n  group "g" {\n    task "t" {\n      drivr = "docker"\n    }\n    lifecycle {\n      hook = "prestart"\n    }\n  }\n}\n',
    );
    expect(hclProblems(job)).toEqual(["job[x].group[g].task[t].drivr: unknown attribute", "job[x].group[g]: block lifecycle not allowed here"]);
  });
});

describe("what the jobs say", () => {
  const task = (job: ParsedBlock, group: string, name: string) =>
    child(child(job, "group").find((g) => g.labels[0] === group) as ParsedBlock, "task").find((t) => t.labels[0] === name) as ParsedBlock;
  const hook = (t: ParsedBlock) => {
    const l = child(t, "lifecycle")[0];
    return l ? `${l.attributes.get("hook")}${l.attributes.get("sidecar") ? "+sidecar" : ""}` : "main";
  };

  test("weather: one group, providers as prestart tasks", async () => {
    const [job] = await jobs(CONFIGS.weather);
    if (!job) throw new Error("no job");
    expect(job.labels).toEqual(["weatherorchestrator"]);
    expect(["CacheWarmup", "WeatherAgent", "DataProcessor", "AlertManager"].map((n) => hook(task(job, "WeatherAgent", n)))).toEqual([
      "prestart",
      "prestart+sidecar",
      "prestart+sidecar",
      "main",
    ]);
  });

  test("full: a service job, periodic batch jobs, checks with check_restart", async () => {
    const all = await jobs(CONFIGS.full);
    expect(all.map((j) => `${j.labels[0]}:${j.attributes.get("type")}`)).toEqual([
      "full-export:service",
      "full-export-report:batch",
      "full-export-cleanup:batch",
    ]);
    const [service, report, cleanup] = all as [ParsedBlock, ParsedBlock, ParsedBlock];
    expect(["Db", "Migrate", "Api", "Worker"].map((n) => hook(task(service, "Db", n)))).toEqual(["prestart+sidecar", "prestart", "prestart+sidecar", "main"]);
    const db = task(service, "Db", "Db");
    const checks = child(child(db, "service")[0] as ParsedBlock, "check");
    expect(checks.map((c) => [c.attributes.get("type"), child(c, "check_restart")[0]?.attributes.get("limit") ?? null])).toEqual([
      ["tcp", null],
      ["script", 2],
    ]);
    expect(child(db, "resources")[0]?.attributes.get("memory")).toBe(256);
    expect(db.attributes.get("user")).toBe("daemon:daemon");
    expect(child(report, "periodic")[0]?.attributes.get("crons")).toEqual(["30 2 1,15 * *", "30 2 * * 1-5"]);
    expect(child(report, "group")[0]?.attributes.get("max_run_duration")).toBe("600s");
    expect(child(cleanup, "periodic")[0]?.attributes.get("crons")).toEqual(["*/5 * * * *"]);
    expect(
      child(service, "group")
        .find((g) => g.labels[0] === "Poll")
        ?.attributes.get("count"),
    ).toBe(0);
  });
});
