import { readFileSync } from "node:fs";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import type { Credentials } from "@smtp/auth";
import type { TranscriptHook } from "@smtp/client";
import type { TlsMode } from "../options.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./io.js";

/** Options every subcommand shares (node:util parseArgs descriptors). */
export const connectionArgs = {
  server: { type: "string", short: "s" },
  tls: { type: "string", default: "starttls" },
  ca: { type: "string" },
  insecure: { type: "boolean", default: false },
  "local-name": { type: "string" },
  timeout: { type: "string" },
  user: { type: "string", short: "u" },
  "password-file": { type: "string" },
  transcript: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export interface ConnectionValues {
  server?: string | undefined;
  tls?: string | undefined;
  ca?: string | undefined;
  insecure?: boolean | undefined;
  "local-name"?: string | undefined;
  timeout?: string | undefined;
  user?: string | undefined;
  "password-file"?: string | undefined;
  transcript?: boolean | undefined;
}

const modes: readonly TlsMode[] = ["starttls", "required", "implicit", "none"];

export function tlsMode(value: string | undefined): TlsMode {
  const mode = (value ?? "starttls") as TlsMode;
  if (!modes.includes(mode))
    throw new UsageError(`--tls must be one of ${modes.join(", ")}, not "${value}"`);
  return mode;
}

/** "host" or "host:port" → "host:port"; the port defaults to 465 for implicit TLS, else 587. */
export function serverAddr(value: string | undefined, mode: TlsMode, what = "--server"): string {
  if (!value) throw new UsageError(`${what} host[:port] is required`);
  const hasPort = value.startsWith("[") ? /\]:\d+$/.test(value) : /^[^:]+:\d+$/.test(value);
  if (hasPort) return value;
  if (value.includes(":") && !value.startsWith("["))
    return `[${value}]:${mode === "implicit" ? 465 : 587}`;
  return `${value}:${mode === "implicit" ? 465 : 587}`;
}

export function tlsOptionsFrom(values: ConnectionValues): TlsOptions | undefined {
  const options: TlsOptions = {};
  if (values.ca) options.ca = readFileSync(values.ca, "utf8");
  if (values.insecure) options.rejectUnauthorized = false;
  return Object.keys(options).length > 0 ? options : undefined;
}

/** --timeout N (seconds): the deadline for the whole session. */
export function timeoutsFrom(values: ConnectionValues): { total: number } | undefined {
  if (values.timeout === undefined) return undefined;
  const seconds = Number(values.timeout);
  if (!(seconds > 0))
    throw new UsageError(`--timeout takes a number of seconds, not "${values.timeout}"`);
  return { total: seconds * 1000 };
}

/**
 * Credentials for --user. The secret never comes from the command line (it
 * would show in `ps` and shell history): SMTP_PASSWORD, --password-file, or
 * SMTP_TOKEN for OAuth 2 (XOAUTH2/OAUTHBEARER).
 */
export function credentialsFrom(values: ConnectionValues, io: CliIo): Credentials | null {
  if (!values.user) {
    if (values["password-file"]) throw new UsageError("--password-file needs --user");
    return null;
  }
  if (values["password-file"]) {
    const password = readFileSync(values["password-file"], "utf8").replace(/\r?\n$/, "");
    return { username: values.user, password };
  }
  if (io.env.SMTP_PASSWORD !== undefined)
    return { username: values.user, password: io.env.SMTP_PASSWORD };
  if (io.env.SMTP_TOKEN !== undefined) return { username: values.user, token: io.env.SMTP_TOKEN };
  throw new UsageError(
    "--user needs a secret: set SMTP_PASSWORD (or SMTP_TOKEN), or give --password-file",
  );
}

/** Prints the session, C: for what we sent and S: for what the server said.
 *  @smtp/client has already replaced AUTH payloads with a placeholder. */
export function transcriptTo(io: CliIo, enabled: boolean | undefined): TranscriptHook | undefined {
  if (!enabled) return undefined;
  return (direction, line) => io.stderr.write(`${direction === "client" ? "C:" : "S:"} ${line}\n`);
}

/** The session options the shared flags give, only those the user set: sendMail,
 *  createSender and dial all take them as they are. */
export interface SessionFlagOptions {
  tlsOptions?: TlsOptions;
  timeouts?: { total: number };
  onLine?: TranscriptHook;
  localName?: string;
}

/** --ca/--insecure, --timeout, --transcript and --local-name, checked before the first byte. */
export function sessionOptionsFrom(values: ConnectionValues, io: CliIo): SessionFlagOptions {
  const tlsOptions = tlsOptionsFrom(values);
  const timeouts = timeoutsFrom(values);
  const onLine = transcriptTo(io, values.transcript);
  return {
    ...(tlsOptions ? { tlsOptions } : {}),
    ...(timeouts ? { timeouts } : {}),
    ...(onLine ? { onLine } : {}),
    ...(values["local-name"] ? { localName: values["local-name"] } : {}),
  };
}

/** One line for an error, without a stack: what failed, where, and the reply. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & {
    code?: unknown;
    phase?: unknown;
    replyCode?: unknown;
    enhancedCode?: unknown;
  };
  const parts = [e.message.replace(/\n/g, " / ")];
  const tags: string[] = [];
  if (typeof e.code === "string") tags.push(e.code);
  if (typeof e.phase === "string") tags.push(`phase ${e.phase}`);
  if (typeof e.replyCode === "number" && !e.message.startsWith(String(e.replyCode))) {
    tags.push(
      `reply ${e.replyCode}${typeof e.enhancedCode === "string" ? ` ${e.enhancedCode}` : ""}`,
    );
  }
  if (tags.length > 0) parts.push(`(${tags.join(", ")})`);
  return parts.join(" ");
}
