import { readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { SendResult } from "../sender.js";
import { createSender } from "../sender.js";
import type { RateLimit } from "../token-bucket.js";
import type { ConnectionValues } from "./common.js";
import {
  connectionArgs,
  credentialsFrom,
  describeError,
  serverAddr,
  sessionOptionsFrom,
  tlsMode,
} from "./common.js";
import { EXIT } from "./exit-codes.js";
import { envelopeFromHeaders } from "./headers.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./io.js";
import { Progress } from "./progress.js";

export const bulkUsage = `usage: smtp bulk --server host[:port] (--dir FOLDER | --list FILE)
                 [--from ADDR] [--to ADDR ...]   (default: each file's From / To + Cc)
                 [--connections N] [--per-connection N] [--rate N/s|N/min] [--retries N]
                 [--tls ...] [--ca ca.pem] [--user NAME] [--continue] [--transcript]

Sends every file of FOLDER (or every path listed in FILE, one per line) through a
connection pool, with a progress line and a summary. The port defaults to 587
(465 with --tls implicit).`;

export async function bulkCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...connectionArgs,
      from: { type: "string", short: "f" },
      to: { type: "string", short: "t", multiple: true },
      dir: { type: "string" },
      list: { type: "string" },
      connections: { type: "string", default: "4" },
      "per-connection": { type: "string", default: "100" },
      rate: { type: "string" },
      retries: { type: "string", default: "2" },
      continue: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${bulkUsage}\n`);
    return EXIT.ok;
  }
  const v = values as ConnectionValues & typeof values;
  const mode = tlsMode(v.tls);
  const addr = serverAddr(v.server, mode);
  const files = messageFiles(v.dir, v.list);
  const auth = credentialsFrom(v, io);
  const session = sessionOptionsFrom(v, io);
  const rateLimit = v.rate === undefined ? undefined : parseRate(v.rate);

  const sender = createSender({
    addr,
    auth,
    tls: mode,
    ...session,
    ...(v.continue ? { onRecipientRefused: "continue" as const } : {}),
    pool: {
      maxConnections: count(v.connections, "--connections"),
      maxMessagesPerConnection: count(v["per-connection"], "--per-connection"),
      maxRetries: count(v.retries, "--retries", 0),
      ...(rateLimit ? { rateLimit } : {}),
    },
  });
  const progress = new Progress(io, files.length);
  const pending: Promise<void>[] = [];
  try {
    for (const file of files) {
      // Backpressure: read the next file only when the pool has room for it.
      await sender.ready();
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        progress.record(file, "failed", `cannot read: ${(error as Error).message}`);
        continue;
      }
      const fromHeaders = envelopeFromHeaders(bytes);
      const from = v.from ?? fromHeaders.from;
      const to = v.to && v.to.length > 0 ? v.to : fromHeaders.to;
      if (from === undefined || to.length === 0) {
        progress.record(
          file,
          "failed",
          from === undefined ? "no --from and no From header" : "no --to and no To/Cc header",
        );
        continue;
      }
      pending.push(
        sender.send({ from, to, body: bytes }).then((result) => report(progress, file, result)),
      );
    }
    await Promise.all(pending);
  } finally {
    await sender.close();
  }
  progress.finish();
  return progress.counts.sent === files.length ? EXIT.ok : EXIT.partial;
}

function report(progress: Progress, file: string, result: SendResult): void {
  let detail = "";
  if (result.outcome === "sent") {
    detail =
      result.rejected.length > 0
        ? `refused for ${result.rejected.map((r) => r.address).join(", ")}`
        : "";
  } else if (result.error) {
    detail = describeError(result.error);
  }
  if (result.attempts > 1) detail = `${detail}${detail ? " " : ""}[${result.attempts} attempts]`;
  progress.record(file, result.outcome, detail);
}

function messageFiles(dir: string | undefined, list: string | undefined): string[] {
  if ((dir === undefined) === (list === undefined))
    throw new UsageError("give exactly one of --dir FOLDER or --list FILE");
  if (dir !== undefined) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (error) {
      throw new UsageError(`cannot read --dir ${dir}: ${(error as Error).message}`);
    }
    return names
      .filter((name) => !name.startsWith("."))
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isFile());
  }
  let text: string;
  try {
    text = readFileSync(list as string, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --list ${list}: ${(error as Error).message}`);
  }
  const base = dirname(resolve(list as string));
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => resolve(base, line));
}

function parseRate(value: string): RateLimit {
  const m = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/.exec(value);
  if (!m) throw new UsageError(`--rate takes N/s, N/min or N/hour, not "${value}"`);
  const unit = m[2] as string;
  const perMs = unit.startsWith("s") ? 1000 : unit.startsWith("m") ? 60_000 : 3_600_000;
  const messages = Number(m[1]);
  if (!(messages > 0)) throw new UsageError("--rate must be positive");
  return { messages, perMs };
}

function count(value: string | undefined, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} takes a whole number of at least ${min}`);
  return n;
}
