#!/usr/bin/env node
// The `smtp` binary (package.json "bin"). tsup adds the node shebang.
import { processIo } from "./cli/io.js";
import { main } from "./cli/main.js";

process.exitCode = await main(process.argv.slice(2), processIo());
