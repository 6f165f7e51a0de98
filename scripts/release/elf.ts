// Just enough of an ELF reader to say what a built binary is without running it: its machine,
// its program interpreter (which libc loads it) and the shared libraries it needs.

import { closeSync, openSync, readSync } from "node:fs";

export interface ElfFacts {
  machine: "x86-64" | "aarch64" | `machine ${number}`;
  /** PT_INTERP, e.g. /lib/ld-musl-x86_64.so.1; null for a static binary. */
  interpreter: string | null;
  /** DT_NEEDED entries, in order. */
  needed: string[];
}

const MACHINES: Record<number, ElfFacts["machine"]> = { 62: "x86-64", 183: "aarch64" };
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** Reads `length` bytes at `position`; the binaries are ~100 MB, so never the whole file. */
function readAt(fd: number, position: number, length: number, partial = false): Buffer {
  const buffer = Buffer.alloc(length);
  const got = readSync(fd, buffer, 0, length, position);
  if (got !== length && !partial) throw new Error(`truncated ELF file (wanted ${length} bytes at ${position}, got ${got})`);
  return buffer.subarray(0, got);
}

function cString(buffer: Buffer, start: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString("latin1", start, end === -1 ? buffer.length : end);
}

/** Parses a 64-bit little-endian ELF file (every target we ship); throws on anything else. */
export function readElf(path: string): ElfFacts {
  const fd = openSync(path, "r");
  try {
    const header = readAt(fd, 0, 64);
    if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
    if (header[4] !== 2 || header[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
    const machineCode = header.readUInt16LE(18);
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);

    const table = readAt(fd, phoff, phentsize * phnum);
    const segments: Segment[] = [];
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      segments.push({
        type: table.readUInt32LE(at),
        offset: Number(table.readBigUInt64LE(at + 8)),
        vaddr: Number(table.readBigUInt64LE(at + 16)),
        filesz: Number(table.readBigUInt64LE(at + 32)),
      });
    }

    const interp = segments.find((s) => s.type === PT_INTERP);
    const interpreter = interp ? cString(readAt(fd, interp.offset, interp.filesz), 0) : null;
    return { machine: MACHINES[machineCode] ?? `machine ${machineCode}`, interpreter, needed: neededLibraries(fd, segments) };
  } finally {
    closeSync(fd);
  }
}

/** DT_NEEDED names: offsets into the dynamic string table, whose address is a vaddr to map back. */
function neededLibraries(fd: number, segments: Segment[]): string[] {
  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dynamic) return [];
  const entries = readAt(fd, dynamic.offset, dynamic.filesz);
  const neededOffsets: bigint[] = [];
  let strtab: bigint | null = null;
  for (let at = 0; at + 16 <= entries.length; at += 16) {
    const tag = entries.readBigInt64LE(at);
    if (tag === DT_NULL) break;
    const value = entries.readBigUInt64LE(at + 8);
    if (tag === DT_NEEDED) neededOffsets.push(value);
    if (tag === DT_STRTAB) strtab = value;
  }
  if (strtab === null || neededOffsets.length === 0) return [];
  const address = Number(strtab);
  const load = segments.find((s) => s.type === PT_LOAD && address >= s.vaddr && address < s.vaddr + s.filesz);
  if (!load) throw new Error("the dynamic string table lies in no loaded segment");
  const base = load.offset + (address - load.vaddr);
  return neededOffsets.map((offset) => cString(readAt(fd, base + Number(offset), 256, true), 0));
}
