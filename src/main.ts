#!/usr/bin/env bun
import { main } from "./cli/root.ts";

await main(process.argv.slice(2));
