#!/usr/bin/env bun
import { main } from "./cli/root.ts";

// No top-level await: the bundle stays valid CommonJS, which --bytecode needs (README, Performance).
void main(process.argv.slice(2));
