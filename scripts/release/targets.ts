// The four release targets: Bun's --target name, the archive's platform suffix, and what the
// built binary must be (checked from its ELF headers, since two of them cannot run here).

import type { ElfFacts } from "./elf.ts";

export interface Target {
  /** Archive suffix: pyorchestrate-<version>-<platform>.tar.gz */
  platform: "linux-x64" | "linux-arm64" | "linux-x64-musl" | "linux-arm64-musl";
  /** bun build --target */
  bunTarget: string;
  machine: ElfFacts["machine"];
  interpreter: string;
  /** Libraries the binary may need beyond those of its libc; the README promises no more. */
  allowedNeeded: RegExp;
  /** How this machine (Debian x64) can try it: natively, under qemu, or not at all. */
  smoke: "native" | "qemu-aarch64" | "elf-only";
}

const GLIBC_LIBS = /^(libc\.so\.6|libpthread\.so\.0|libdl\.so\.2|libm\.so\.6|ld-linux-(x86-64|aarch64)\.so\.[12])$/;
// Alpine: `apk add libstdc++ libgcc` (libstdc++ needs libgcc_s).
const MUSL_LIBS = /^(libc\.musl-(x86_64|aarch64)\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$/;

export const TARGETS: readonly Target[] = [
  {
    platform: "linux-x64",
    bunTarget: "bun-linux-x64",
    machine: "x86-64",
    interpreter: "/lib64/ld-linux-x86-64.so.2",
    allowedNeeded: GLIBC_LIBS,
    smoke: "native",
  },
  {
    platform: "linux-arm64",
    bunTarget: "bun-linux-arm64",
    machine: "aarch64",
    interpreter: "/lib/ld-linux-aarch64.so.1",
    allowedNeeded: GLIBC_LIBS,
    smoke: "qemu-aarch64",
  },
  {
    platform: "linux-x64-musl",
    bunTarget: "bun-linux-x64-musl",
    machine: "x86-64",
    interpreter: "/lib/ld-musl-x86_64.so.1",
    allowedNeeded: MUSL_LIBS,
    smoke: "elf-only",
  },
  {
    platform: "linux-arm64-musl",
    bunTarget: "bun-linux-arm64-musl",
    machine: "aarch64",
    interpreter: "/lib/ld-musl-aarch64.so.1",
    allowedNeeded: MUSL_LIBS,
    smoke: "elf-only",
  },
];

/** Problems with a built binary's ELF facts, as lines for the failure message; empty when it is what it should be. */
export function elfProblems(target: Target, facts: ElfFacts): string[] {
  const problems: string[] = [];
  if (facts.machine !== target.machine) problems.push(`machine is ${facts.machine}, expected ${target.machine}`);
  if (facts.interpreter !== target.interpreter) problems.push(`interpreter is ${facts.interpreter ?? "none (static)"}, expected ${target.interpreter}`);
  const unexpected = facts.needed.filter((lib) => !target.allowedNeeded.test(lib));
  if (unexpected.length > 0) problems.push(`needs unexpected shared libraries: ${unexpected.join(", ")}`);
  return problems;
}
