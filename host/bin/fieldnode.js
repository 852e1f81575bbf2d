#!/usr/bin/env node
// The technician CLI. Sources are TypeScript; tsx compiles them on load so the
// installed package needs no build step.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
