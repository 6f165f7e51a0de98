// export kubernetes: every object passes the Kubernetes API schemas (kubernetes-models' validators
// plus a check for unknown fields), the YAML reads back as the same objects, and keys land where
// the API reference says.

import { describe, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/types.ts";
import { exportKubernetes } from "../../src/export/kubernetes.ts";
import { scalar } from "../../src/export/yaml.ts";
import { schemaProblems } from "../fixtures/export/k8s-schema.ts";

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

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Any = any;

async function objects(path: string, sidecars = false): Promise<Any[]> {
  const { files } = exportKubernetes(await load(path), { image: IMAGE, sidecars, json: true });
  return files.map((f) => JSON.parse(f.content));
}

describe("Kubernetes API schemas", () => {
  for (const [name, path] of Object.entries(CONFIGS)) {
    for (const sidecars of [false, true]) {
      test(`${name}${sidecars ? " --sidecars" : ""}: every object validates`, async () => {
        const all = await objects(path, sidecars);
        expect(all.length).toBeGreaterThan(0);
        for (const object of all)
          expect({ name: object.metadata.name, problems: await schemaProblems(object) }).toEqual({ name: object.metadata.name, problems: [] });
      });
    }
  }
  test("the schema check catches a wrong type and an unknown field (the test is not vacuous)", async () => {
    const [job] = (await objects(CONFIGS.full)).filter((o) => o.kind === "Job");
    job.spec.template.spec.containers[0].imagee = "x";
    job.spec.backoffLimit = "none";
    const problems = await schemaProblems(job);
    expect(problems.join("\n")).toContain("backoffLimit must be integer");
    expect(problems).toContain("unknown field spec.template.spec.containers[0].imagee");
  });
});

describe("YAML", () => {
  test("each file reads back as the object its JSON twin holds", async () => {
    const config = await load(CONFIGS.full);
    const yaml = exportKubernetes(config, { image: IMAGE, sidecars: false, json: false }).files;
    const json = exportKubernetes(config, { image: IMAGE, sidecars: false, json: true }).files;
    expect(yaml.map((f) => Bun.YAML.parse(f.content))).toEqual(json.map((f) => JSON.parse(f.content)));
  });
  test("strings that would read as something else are quoted", () => {
    expect(["50", "true", "no", "1e3", "a: b", "-x", "*/5 * * * *", "plain", "/abs/path", ""].map(scalar)).toEqual([
      '"50"',
      '"true"',
      '"no"',
      '"1e3"',
      '"a: b"',
      '"-x"',
      '"*/5 * * * *"',
      "plain",
      "/abs/path",
      '""',
    ]);
  });
});

describe("what the manifests say", () => {
  const byName = (all: Any[], kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name);

  test("full: workloads, probes, limits, schedules, waits", async () => {
    const all = await objects(CONFIGS.full);
    expect(all.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "ServiceAccount/full-export-waiter",
      "Role/full-export-waiter",
      "RoleBinding/full-export-waiter",
      "Deployment/db",
      "Job/migrate",
      "Deployment/api",
      "Deployment/worker",
      "CronJob/report",
      "CronJob/cleanup",
      "Deployment/poll",
    ]);
    const db = byName(all, "Deployment", "db").spec.template.spec;
    expect(db.terminationGracePeriodSeconds).toBe(20);
    expect(db.containers[0].resources).toEqual({ limits: { memory: "256Mi" } });
    expect(db.containers[0].securityContext).toEqual({ runAsUser: 1, runAsGroup: 1 });
    expect(db.containers[0].readinessProbe).toEqual({
      tcpSocket: { port: 5432 },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(db.containers[0].livenessProbe.exec).toEqual({ command: ["/bin/sh", "-c", "exit 0"] });
    const api = byName(all, "Deployment", "api").spec.template.spec;
    expect(api.containers[0].readinessProbe.httpGet).toEqual({ path: "/health?deep=1", port: 8080 });
    expect(api.containers[0].readinessProbe.initialDelaySeconds).toBe(2);
    expect(api.containers[0].env).toEqual([
      { name: "API_KEY", value: "secret" },
      { name: "PORT", value: "8080" },
      { name: "MODE", value: "api" },
    ]);
    expect(api.initContainers.map((c: Any) => c.args.slice(1, 3))).toEqual([
      ["--for=condition=complete", "job/migrate"],
      ["--for=condition=Available", "deployment/db"],
    ]);
    expect(api.serviceAccountName).toBe("full-export-waiter");
    expect(byName(all, "Deployment", "worker").spec.replicas).toBe(0);
    const report = byName(all, "CronJob", "report").spec;
    expect([report.schedule, report.concurrencyPolicy, report.jobTemplate.spec.activeDeadlineSeconds]).toEqual(["30 2 1,15 * 1-5", "Forbid", 600]);
    const cleanup = byName(all, "CronJob", "cleanup").spec;
    expect([cleanup.schedule, cleanup.concurrencyPolicy]).toEqual(["*/5 * * * *", "Replace"]);
    const poll = byName(all, "Deployment", "poll").spec;
    expect([poll.replicas, poll.template.spec.containers[0].command.slice(0, 3)]).toEqual([0, ["/bin/sh", "-c", 'while :; do "$@"; sleep 7.5; done']]);
    expect(byName(all, "Job", "migrate").spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 120 });
  });

  test("--sidecars: an island in one Pod, providers in dependency order, looping ones as native sidecars", async () => {
    const all = await objects(CONFIGS.full, true);
    const pod = byName(all, "Deployment", "worker").spec.template.spec;
    expect(pod.initContainers.map((c: Any) => [c.name, c.restartPolicy ?? null, Boolean(c.startupProbe)])).toEqual([
      ["db", "Always", true],
      ["migrate", null, false],
      ["api", "Always", true],
    ]);
    expect(pod.containers.map((c: Any) => c.name)).toEqual(["worker"]);
    expect(all.some((o) => o.metadata.name === "db" || o.metadata.name === "migrate")).toBe(false);
  });

  test("minimal: nothing lost", async () => {
    const { report } = exportKubernetes(await load(CONFIGS.minimal), { image: IMAGE, sidecars: false, json: false });
    expect(report.warnings()).toEqual([]);
  });
});
