import type { ConnectionOptions as TlsOptions } from "node:tls";
import type { Auth, Credentials } from "@smtp/auth";
import {
  checkBareCr,
  checkLine,
  checkMailOptions,
  checkRcptOptions,
  type MailOptions,
  type RcptOptions,
  type Timeouts,
  type TranscriptHook,
} from "@smtp/client";

/**
 * How the connection is secured (DESIGN §5):
 * - "starttls" (default, Go's behaviour): STARTTLS when the server advertises it,
 *   plain text otherwise (opportunistic, RFC 3207).
 * - "required": STARTTLS must be advertised and must succeed, else nothing more is sent.
 * - "implicit": TLS from the first byte (port 465, RFC 8314 §3.3).
 * - "none": never TLS. For tests and localhost relays only.
 */
export type TlsMode = "starttls" | "required" | "implicit" | "none";

/** What authenticates a session: one mechanism (`Auth`), credentials for the
 *  chooser in @smtp/client (`client.authenticate`), or `null` for none. */
export type SessionAuth = Auth | Credentials | null | undefined;

/** Options of one SMTP session; shared by sendMail and the pooled sender. */
export interface SessionOptions {
  tls?: TlsMode;
  /** ca, rejectUnauthorized, ... for STARTTLS or implicit TLS. The certificate is
   *  verified for the host in `addr` unless you turn verification off here. */
  tlsOptions?: TlsOptions;
  timeouts?: Partial<Timeouts>;
  signal?: AbortSignal;
  /** EHLO/HELO name, default "localhost" (as Go). */
  localName?: string;
  /** What a bare CR in a DATA body becomes: "crlf" (default, RFC 5321 §2.3.8; no SMTP
   *  smuggling) or "pass" (Go's behaviour). See @smtp/client's ClientOptions.bareCr. */
  bareCr?: "crlf" | "pass";
  /** Every line in both directions, AUTH payloads redacted by @smtp/client. */
  onLine?: TranscriptHook;
  maxLineLength?: number;
}

/** Options of one transaction (MAIL, RCPTs, body). */
export interface TransactionOptions {
  mailOptions?: MailOptions;
  /** Applied to every recipient. */
  rcptOptions?: RcptOptions;
  /** "abort" (default, Go's way) or "continue" (send to the accepted ones). */
  onRecipientRefused?: "abort" | "continue";
  /** BDAT instead of DATA when CHUNKING is advertised. */
  chunking?: boolean;
}

export interface SendMailOptions extends SessionOptions, TransactionOptions {
  /** Resolve only after the server answered QUIT (Go's behaviour). Default false:
   *  resolve when the message is accepted; QUIT finishes in the background. */
  awaitQuit?: boolean;
}

export function isAuth(auth: SessionAuth): auth is Auth {
  return typeof auth === "object" && auth !== null && typeof (auth as Auth).start === "function";
}

/**
 * Everything in `options` that will reach a command line, checked before anything is
 * dialed (DESIGN §4): the hello name, and the form of every MAIL and RCPT option value
 * (controls, enum values, ranges). What depends on the server's extensions is checked
 * by the client once EHLO has been read, still before the command is written.
 */
export function checkOptions(options: SessionOptions & TransactionOptions): void {
  if (options.localName !== undefined) checkLine(options.localName, "the local name");
  checkBareCr(options.bareCr);
  checkMailOptions(options.mailOptions);
  checkRcptOptions(options.rcptOptions);
}
