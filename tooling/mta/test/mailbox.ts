// Reading what the real servers stored, so every test can compare bytes.
//
// Postfix (virtual(8) into maildirs) keeps each message as LF-terminated lines (its
// queue file is record-based; RFC 5321's CRLF is the wire form only) and prepends
// trace headers only: Return-Path, X-Original-To, Delivered-To and Received (main.cf
// in setup.sh turns off every other header rewrite for our loopback clients). So a
// stored message must be exactly those trace headers followed by the message we sent
// with CRLF written as LF. aiosmtpd (LMTP) stores the dot-unstuffed bytes as received,
// CRLF included.
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import type { MtaEnv } from "./mta-env.js";

export function mta(): MtaEnv {
  return inject("mta");
}

export function postfixAddr(port: "smtp" | "smtps" = "smtp"): string {
  const env = mta();
  return `${env.host}:${port === "smtp" ? env.smtpPort : env.smtpsPort}`;
}

export async function trustedCa(): Promise<{ ca: Buffer }> {
  return { ca: await readFile(mta().caFile) };
}

/** A token unique to one test, put in the Message-ID so the stored file can be found. */
export function newToken(): string {
  return `${Date.now().toString(36)}.${randomUUID()}`;
}

export interface MessageParts {
  token: string;
  from: string;
  to: string;
  subject?: string;
  /** Extra header lines, without line ends. */
  headers?: string[];
  /** The body with CRLF line ends. */
  body: string;
}

/** A complete RFC 5322 message with CRLF line ends, so Postfix has nothing to add. */
export function message(parts: MessageParts): string {
  return [
    `From: <${parts.from}>`,
    `To: <${parts.to}>`,
    `Subject: ${parts.subject ?? "interop test"}`,
    "Date: Thu, 01 Jan 2026 00:00:00 +0000",
    `Message-ID: <${parts.token}@interop.test>`,
    ...(parts.headers ?? []),
    "",
    parts.body,
  ].join("\r\n");
}

/** The form Postfix stores: every CRLF as LF. */
export function asStoredByPostfix(wire: string | Uint8Array): Buffer {
  const bytes = typeof wire === "string" ? Buffer.from(wire, "utf8") : Buffer.from(wire);
  return Buffer.from(bytes.toString("latin1").replaceAll("\r\n", "\n"), "latin1");
}

const TRACE = /^(Return-Path|X-Original-To|Delivered-To|Received):/;

export interface StoredMessage {
  file: string;
  /** The trace header fields Postfix prepended, each unfolded to one line. */
  trace: string[];
  /** Everything after them: must equal what we sent (in stored form). */
  rest: Buffer;
}

/** Splits the leading trace header fields (with their folded continuation lines) off. */
export function splitTrace(file: string, stored: Buffer): StoredMessage {
  const trace: string[] = [];
  let at = 0;
  for (;;) {
    const end = stored.indexOf(0x0a, at);
    if (end < 0) break;
    const line = stored.subarray(at, end).toString("utf8");
    if (TRACE.test(line)) {
      trace.push(line);
    } else if ((line.startsWith("\t") || line.startsWith(" ")) && trace.length > 0) {
      trace[trace.length - 1] += ` ${line.trim()}`;
    } else {
      break;
    }
    at = end + 1;
  }
  return { file, trace, rest: stored.subarray(at) };
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).map((name) => join(dir, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function logTail(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).split("\n").slice(-25).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * Waits for the message carrying `token` in a Postfix maildir. Delivery is
 * asynchronous (queue manager, then virtual(8)), so this polls. It has no clock of its
 * own: it stops when the test's signal aborts (the test timeout), and then says what
 * Postfix logged.
 */
export async function waitForPostfixMessage(
  user: string,
  token: string,
  signal: AbortSignal,
): Promise<StoredMessage> {
  const env = mta();
  const needle = Buffer.from(token);
  for (;;) {
    for (const sub of ["new", "cur"]) {
      for (const file of await filesIn(join(env.maildir, user, sub))) {
        const bytes = await readFile(file);
        if (bytes.includes(needle)) return splitTrace(file, bytes);
      }
    }
    if (signal.aborted) {
      throw new Error(
        `no message with ${token} in ${user}'s maildir; postfix.log ends:\n${await logTail(env.logs.postfix)}`,
      );
    }
    await sleep(50);
  }
}

/** Every stored Postfix message of `user` that contains `token` (to prove absence). */
export async function postfixMessagesWith(user: string, token: string): Promise<string[]> {
  const env = mta();
  const found: string[] = [];
  for (const sub of ["new", "cur", "tmp"]) {
    for (const file of await filesIn(join(env.maildir, user, sub))) {
      if ((await readFile(file)).includes(Buffer.from(token))) found.push(file);
    }
  }
  return found;
}

export interface LmtpStored {
  bytes: Buffer;
  meta: { mailFrom: string; mailOptions: string[]; rcptTo: string; lhlo: string };
}

/** The messages aiosmtpd stored for a local part that contain `token` (written whole). */
export async function lmtpMessagesWith(localPart: string, token: string): Promise<LmtpStored[]> {
  const env = mta();
  const out: LmtpStored[] = [];
  for (const file of await filesIn(join(env.lmtpMaildir, localPart))) {
    if (!file.endsWith(".eml")) continue;
    const bytes = await readFile(file);
    if (!bytes.includes(Buffer.from(token))) continue;
    const meta = JSON.parse(await readFile(file.replace(/\.eml$/, ".json"), "utf8"));
    out.push({ bytes, meta });
  }
  return out;
}

/** A transcript recorder for ClientOptions.onLine. */
export function transcript(): {
  lines: string[];
  onLine: (direction: "client" | "server", line: string) => void;
} {
  const lines: string[] = [];
  return {
    lines,
    onLine: (direction, line) => lines.push(`${direction === "client" ? "C" : "S"}: ${line}`),
  };
}
