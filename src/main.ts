#!/usr/bin/env bun
// The entry: `--version` answered here, before the command tree is even loaded (the two chunks
// root.ts pulls in cost ~2 ms, a tenth of the runtime's whole start-up); everything else in root.ts.
import { VERSION } from "./version.ts";

const argv = process.argv.slice(2);
// No top-level await: the bundle must stay valid for --bytecode (README, Performance).
if (argv[0] === "--version" || argv[0] === "-v") void Bun.write(Bun.stdout, `${VERSION}\n`).catch(() => {});
// serve first re-executes itself with Bun's idle timers off (system/quiet-runtime.ts), before it loads anything.
else if (argv[0] === "serve")
  void import("./system/quiet-runtime.ts")
    .then((quiet) => quiet.quietRuntime())
    .then(() => import("./cli/root.ts"))
    .then((root) => root.main(argv));
else void import("./cli/root.ts").then((root) => root.main(argv));
