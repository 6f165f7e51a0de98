// pyorchestrate export systemd|kubernetes|nomad [FILE | -c FILE]: offline, like validate. The objects go to
// stdout (or one file each into --out), the conversion report to stderr.

import { defineCommand } from "../command.ts";
import { renderReport } from "../../export/report.ts";
import { TARGETS, type Target } from "../../export/types.ts";
import { exportFile, stream, writeFiles } from "../../export/write.ts";
import { configArgs, configPath } from "../config-arg.ts";
import { EXIT, UsageError } from "../errors.ts";
import { writeErr, writeOut } from "../output.ts";

export default defineCommand({
  meta: { name: "export", description: "Convert a config to systemd units, Kubernetes manifests or a Nomad job, with a conversion report" },
  args: {
    target: { type: "positional", required: true, description: "systemd, kubernetes or nomad" },
    ...configArgs,
    out: { type: "string", description: "Write one file per object into this folder (default: all to stdout)", valueHint: "dir" },
    image: { type: "string", description: "Container image the agents run in (required for kubernetes and nomad)", valueHint: "image" },
    json: { type: "boolean", description: "kubernetes: JSON manifests; nomad: the API's JSON job" },
    strict: { type: "boolean", description: "Refuse (exit 1, nothing written) when anything is approximated or has no equivalent" },
    sidecars: { type: "boolean", description: "kubernetes: keep each dependency island in one Pod, providers as native sidecars" },
  },
  async run({ args, rawArgs }) {
    const target = args.target as Target;
    if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`unknown target '${args.target}' (expected ${TARGETS.join(", ")})`);
    if (args._.length > 2) throw new UsageError(`unexpected argument '${args._[2]}'`);
    const image = args.image?.trim() || null;
    if (target !== "systemd" && image === null) throw new UsageError(`--image is required for ${target}: the container image every agent runs in`);
    if (target === "systemd" && image !== null) throw new UsageError("--image applies to kubernetes and nomad only");
    if (target === "systemd" && args.json) throw new UsageError("systemd units have no JSON form (--json applies to kubernetes and nomad)");
    if (target !== "kubernetes" && args.sidecars) throw new UsageError("--sidecars applies to kubernetes only");
    const path = configPath(args, rawArgs);
    const json = Boolean(args.json);
    const loaded = await exportFile(path, target, { image, sidecars: Boolean(args.sidecars), json });
    if (!loaded.ok) {
      for (const error of loaded.errors) writeErr(`✗ ${error}\n`);
      writeErr(`${path}: ${loaded.errors.length} error(s)\n`);
      process.exitCode = EXIT.error;
      return;
    }
    for (const warning of loaded.warnings) writeErr(`warning: ${warning}\n`);
    const { exported } = loaded;
    writeErr(`${renderReport(exported.report.rows, target)}\n`);
    const warnings = exported.report.warnings().length;
    if (args.strict && warnings > 0) {
      writeErr(`✗ --strict: ${warnings} key(s) approximated or without equivalent; nothing written\n`);
      process.exitCode = EXIT.error;
      return;
    }
    if (args.out) {
      const written = writeFiles(exported.files, args.out);
      writeErr(`wrote ${written.length} file(s) to ${args.out}\n`);
    } else writeOut(stream(exported.files, target, json));
    process.exitCode = EXIT.ok;
  },
});
