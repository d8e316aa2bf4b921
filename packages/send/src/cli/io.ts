import type { Readable, Writable } from "node:stream";

/** Everything the command line touches outside itself, so tests can capture it. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** A mistake in the command line itself: printed with the usage hint, exit 64. */
export class UsageError extends Error {
  readonly code = "ERR_USAGE";
}
