import { createReadStream, statSync } from "node:fs";
import { parseArgs } from "node:util";
import type { MessageBody } from "@smtp/client";
import { sendMail } from "../send-mail.js";
import type { ConnectionValues } from "./common.js";
import {
  connectionArgs,
  credentialsFrom,
  describeError,
  serverAddr,
  sessionOptionsFrom,
  tlsMode,
} from "./common.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./io.js";

export const sendUsage = `usage: smtp send --server host[:port] --from ADDR --to ADDR [--to ADDR ...]
                 [--file message.eml | < message.eml]
                 [--tls starttls|required|implicit|none] [--ca ca.pem] [--insecure]
                 [--user NAME  (secret from SMTP_PASSWORD, SMTP_TOKEN or --password-file)]
                 [--continue] [--transcript] [--timeout SECONDS] [--local-name NAME]

Sends one message. --continue delivers to the accepted recipients when some are refused.
The port defaults to 587 (465 with --tls implicit).`;

export async function sendCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...connectionArgs,
      from: { type: "string", short: "f" },
      to: { type: "string", short: "t", multiple: true },
      file: { type: "string" },
      continue: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout.write(`${sendUsage}\n`);
    return EXIT.ok;
  }
  const v = values as ConnectionValues & typeof values;
  const mode = tlsMode(v.tls);
  const addr = serverAddr(v.server, mode);
  if (v.from === undefined)
    throw new UsageError("--from is required (use --from '' for a null sender)");
  const to = v.to ?? [];
  if (to.length === 0) throw new UsageError("at least one --to is required");
  const auth = credentialsFrom(v, io);
  const session = sessionOptionsFrom(v, io);

  let body: MessageBody;
  if (v.file) {
    try {
      if (!statSync(v.file).isFile()) throw new Error("not a regular file");
    } catch (error) {
      io.stderr.write(`smtp send: cannot read ${v.file}: ${(error as Error).message}\n`);
      return EXIT.noInput;
    }
    body = createReadStream(v.file);
  } else {
    if (io.stdin.isTTY)
      throw new UsageError("no message: give --file, or pipe the message on stdin");
    body = io.stdin;
  }

  try {
    const result = await sendMail(addr, auth, v.from, to, body, {
      tls: mode,
      // The whole session, QUIT included, belongs in the transcript and the exit code's timing.
      awaitQuit: true,
      ...session,
      ...(v.continue ? { onRecipientRefused: "continue" as const } : {}),
    });
    io.stdout.write(`sent: ${result.reply.code} ${result.reply.message.replace(/\n/g, " / ")}\n`);
    io.stdout.write(`accepted: ${result.accepted.join(", ")}\n`);
    for (const r of result.rejected) {
      io.stdout.write(
        `refused: ${r.address}: ${r.reply.code} ${r.reply.message.replace(/\n/g, " / ")}\n`,
      );
    }
    return result.rejected.length > 0 ? EXIT.partial : EXIT.ok;
  } catch (error) {
    io.stderr.write(`smtp send: ${describeError(error)}\n`);
    const recipients = (
      error as {
        recipients?: { address: string; ok: boolean; reply: { code: number; message: string } }[];
      }
    ).recipients;
    for (const r of recipients ?? []) {
      if (!r.ok) io.stderr.write(`  refused: ${r.address}: ${r.reply.code} ${r.reply.message}\n`);
    }
    return exitCodeFor(error);
  }
}
