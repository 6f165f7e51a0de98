// export systemd: every generated unit passes `systemd-analyze verify` (when installed), and the
// keys land where systemd.service(5), systemd.unit(5) and systemd.timer(5) say.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import type { CheckTarget, Config } from "../../src/config/types.ts";
import { exportSystemd } from "../../src/export/systemd.ts";
import type { ExportFile } from "../../src/export/types.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CONFIGS = {
  weather: join(ROOT, "examples/weather/pyorchestrate.toml"),
  full: join(ROOT, "test/fixtures/export/full.toml"),
  minimal: join(ROOT, "test/fixtures/export/minimal.toml"),
  notify: join(ROOT, "test/fixtures/export/notify.toml"),
};

async function load(path: string): Promise<Config> {
  const loaded = await loadConfig(path);
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  return loaded.config;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const analyze = Bun.which("systemd-analyze");

/** systemd-analyze verify over the units in a folder of their own; any line on stderr is a finding. */
function verify(files: readonly ExportFile[]): { code: number; stderr: string } {
  const dir = mkdtempSync("/tmp/pyo-units-");
  dirs.push(dir);
  for (const file of files) writeFileSync(join(dir, file.name), file.content);
  // Without a booted systemd: no man page lookups, and only the units given (plus their dependencies).
  const proc = Bun.spawnSync([analyze as string, "verify", "--man=no", ...files.map((f) => join(dir, f.name))], {
    cwd: dir,
    env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice", SYSTEMD_LOG_COLOR: "0" },
  });
  return { code: proc.exitCode ?? -1, stderr: proc.stderr.toString() };
}

const unit = (files: readonly ExportFile[], name: string) => files.find((f) => f.name === name)?.content ?? `(no ${name})`;

/** The config with one agent's ready check made a notify check, as `[agents.X.ready] notify = true` will. */
function withNotify(config: Config, agent: string, watchdog: number): Config {
  return {
    ...config,
    agents: config.agents.map((a) =>
      a.name === agent && a.ready ? { ...a, ready: { ...a.ready, target: { kind: "notify", watchdog } as unknown as CheckTarget } } : a,
    ),
  };
}

describe("systemd-analyze verify", () => {
  for (const [name, path] of Object.entries(CONFIGS)) {
    test.skipIf(!analyze)(
      `${name}: every unit verifies, without a finding${analyze ? "" : " (skipped: systemd-analyze is not installed; apt-get install systemd)"}`,
      async () => {
        const { files } = exportSystemd(await load(path));
        expect(verify(files)).toEqual({ code: 0, stderr: "" });
      },
    );
  }
  test.skipIf(!analyze)("a notify ready check with a watchdog verifies too", async () => {
    const { files } = exportSystemd(withNotify(await load(CONFIGS.full), "Db", 30));
    expect(verify(files)).toEqual({ code: 0, stderr: "" });
  });
  test.skipIf(!analyze)("the verify step does catch a broken unit (the test is not vacuous)", () => {
    const broken = { name: "broken.service", content: "[Service]\nExecStart=/bin/true\nRestart=sometimes\n" };
    expect(verify([broken]).stderr).toContain("Failed to parse service restart specifier");
  });
});

describe("what the units say", () => {
  test("weather: a oneshot, a timer on a fixed delay, looping services, one target", async () => {
    const { files } = exportSystemd(await load(CONFIGS.weather));
    expect(files.map((f) => f.name)).toEqual([
      "WeatherOrchestrator-CacheWarmup.service",
      "WeatherOrchestrator-WeatherAgent.service",
      "WeatherOrchestrator-WeatherAgent.timer",
      "WeatherOrchestrator-DataProcessor.service",
      "WeatherOrchestrator-AlertManager.service",
      "WeatherOrchestrator.target",
    ]);
    expect(unit(files, "WeatherOrchestrator-CacheWarmup.service")).toContain(
      "Type=oneshot\nRemainAfterExit=yes\nExecStart=sh agents/cache-warmup.sh\nTimeoutStartSec=30\n",
    );
    expect(unit(files, "WeatherOrchestrator-WeatherAgent.service")).toContain(
      "Requires=WeatherOrchestrator-CacheWarmup.service\nAfter=WeatherOrchestrator-CacheWarmup.service\n",
    );
    expect(unit(files, "WeatherOrchestrator-WeatherAgent.timer")).toContain("[Timer]\nOnActiveSec=0\nOnUnitInactiveSec=10\nAccuracySec=1s\n");
    expect(unit(files, "WeatherOrchestrator-DataProcessor.service")).toContain("Restart=always\nRestartSec=1\n");
    expect(unit(files, "WeatherOrchestrator-DataProcessor.service")).toContain("StartLimitIntervalSec=60\nStartLimitBurst=6\n");
    expect(unit(files, "WeatherOrchestrator-AlertManager.service")).toContain("KillSignal=SIGTERM\nTimeoutStopSec=5\n");
    expect(unit(files, "WeatherOrchestrator.target")).toContain("Wants=WeatherOrchestrator-WeatherAgent.timer\n");
  });

  test("full: identity, limits, escapes, env_file, checks, schedules", async () => {
    const { files, report } = exportSystemd(await load(CONFIGS.full));
    const db = unit(files, "Full-Export-Db.service");
    expect(db).toContain(`ExecStart=${join(ROOT, "test/fixtures/export/bin/agent.sh")} db\n`);
    expect(db).toContain("User=daemon\nGroup=daemon\nUMask=0027\n");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${X} systemd must leave alone
    expect(db).toContain('Environment="PGDATA=/var/lib/db" "PRICE=100%% of $HOME ${X}"\n');
    expect(db).toContain("MemoryMax=268435456\nKillSignal=SIGINT\nTimeoutStopSec=20\n");
    expect(db).toContain("StartLimitIntervalSec=30\nStartLimitBurst=4\n");
    const api = unit(files, "Full-Export-Api.service");
    expect(api).toContain(`EnvironmentFile=${join(ROOT, "test/fixtures/export/api.env")}\nEnvironment="MODE=api"\n`);
    expect(api).toContain("WorkingDirectory=/tmp\n");
    expect(unit(files, "Full-Export-Migrate.service")).toContain(`ExecStart=/bin/sh -c "echo 'migrating'; exit 0"\n`);
    expect(unit(files, "Full-Export-Worker.service")).toContain(
      'ExecStartPost=/bin/sh -c "sleep 0; until timeout 1 \\"$$@\\"; do sleep 1; done" ready-check /bin/sh -c "test -e /tmp"\nRestart=no\nTimeoutStartSec=infinity\n',
    );
    expect(unit(files, "Full-Export-Report.timer")).toContain(
      "OnCalendar=Mon..Fri *-*-* 02:30:00\nOnCalendar=*-*-01,15 02:30:00\nAccuracySec=1s\nRandomizedDelaySec=30\n",
    );
    expect(unit(files, "Full-Export-Cleanup.timer")).toContain("OnActiveSec=0\nOnUnitActiveSec=300\n");
    expect(unit(files, "Full-Export-Poll.timer")).toContain("OnUnitInactiveSec=7500ms\nAccuracySec=100ms\n");
    expect(unit(files, "Full-Export-Poll.service")).toContain("Wants=Full-Export-Cleanup.timer\nAfter=Full-Export-Cleanup.timer\n");
    expect(unit(files, "Full-Export.target")).not.toContain("Worker");
    const level = (agent: string, key: string) => report.rows.find((r) => r.agent === agent && r.key === key)?.level;
    expect([level("Db", "ready"), level("Db", "alive"), level("Worker", "ready"), level("Cleanup", "limit"), level("Report", "overlap")]).toEqual([
      "none",
      "none",
      "approximated",
      "none",
      "approximated",
    ]);
  });

  test("a notify ready check: Type=notify and WatchdogSec=, and ready dependents wait for it", async () => {
    const { files, report } = exportSystemd(withNotify(await load(CONFIGS.full), "Api", 15));
    expect(unit(files, "Full-Export-Api.service")).toContain("Type=notify\n");
    expect(unit(files, "Full-Export-Api.service")).toContain("NotifyAccess=all\nWatchdogSec=15\n");
    expect(report.rows.find((r) => r.agent === "Worker" && r.key === "depends_on.Api")?.level).toBe("converted");
  });

  test("notify = true in the file: Type=notify, WatchdogSec=, and the ready dependent is converted whole", async () => {
    const { files, report } = exportSystemd(await load(CONFIGS.notify));
    expect(unit(files, "notify-daemon.service")).toContain("Type=notify\n");
    expect(unit(files, "notify-daemon.service")).toContain("NotifyAccess=all\nWatchdogSec=20\n");
    expect(report.warnings()).toEqual([]);
  });

  test("an env that overrides its env_file is inlined (systemd would let the file win)", async () => {
    const config = await load(CONFIGS.full);
    const api = config.agents.find((a) => a.name === "Api");
    if (!api) throw new Error("no Api");
    api.env = { ...api.env, PORT: "9090" };
    const { files, report } = exportSystemd(config);
    const text = unit(files, "Full-Export-Api.service");
    expect(text).not.toContain("EnvironmentFile=");
    expect(text).toContain('Environment="API_KEY=secret" "PORT=9090" "MODE=api"\n');
    expect(report.rows.find((r) => r.agent === "Api" && r.key === "env_file")?.level).toBe("approximated");
  });

  test("minimal: nothing lost", async () => {
    const { report } = exportSystemd(await load(CONFIGS.minimal));
    expect(report.warnings()).toEqual([]);
  });
});
