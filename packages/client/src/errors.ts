// The @smtp/client error family (DESIGN §7): one base class, a subclass per failure,
// each with a stable string `code` and the session `phase` it happened in.
// "I cancelled" (AbortError) and "it died" (TimeoutError, ConnectionClosedError) are
// different classes, as in undici. Messages never contain a secret: AUTH payloads are
// redacted from `command` before an error is built.

/** Where in the session an error happened. */
export type Phase =
  | "connect"
  | "tls"
  | "greeting"
  | "hello"
  | "auth"
  | "command"
  | "data"
  /** The final dot was written: the outcome is UNKNOWN, the server may have accepted
   *  the message. A pool must not retry it blindly. */
  | "final-reply"
  | "quit";

export interface SmtpErrorOptions {
  phase?: Phase | undefined;
  cause?: unknown;
}

export class SmtpError extends Error {
  override name = "SmtpError";
  readonly code: string = "ERR_SMTP";
  readonly phase: Phase | undefined;

  constructor(message: string, options: SmtpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.phase = options.phase;
  }
}

/** The parts of a server reply an error carries. */
export interface ReplyLike {
  code: number;
  enhancedCode: string | undefined;
  message: string;
}

export interface SmtpReplyErrorOptions extends SmtpErrorOptions {
  /** The command line that drew the reply, secrets already redacted. */
  command?: string | undefined;
}

/** A well-formed server reply with a code the command did not expect. */
export class SmtpReplyError extends SmtpError {
  override name = "SmtpReplyError";
  override readonly code: string = "ERR_SMTP_REPLY";
  readonly replyCode: number;
  readonly enhancedCode: string | undefined;
  readonly command: string | undefined;
  /** 4xx: a transient failure (RFC 5321 §4.2.1); the same command may succeed later. */
  readonly temporary: boolean;

  /** `message` is the whole reply text, lines joined with "\n" (DESIGN §7). */
  constructor(reply: ReplyLike, options: SmtpReplyErrorOptions = {}) {
    super(reply.message, options);
    this.replyCode = reply.code;
    this.enhancedCode = reply.enhancedCode;
    this.command = options.command;
    this.temporary = reply.code >= 400 && reply.code < 500;
  }
}

/** One recipient's outcome inside a transaction. */
export interface RecipientOutcome {
  address: string;
  ok: boolean;
  reply: ReplyLike;
}

/**
 * A transaction in which some recipients were refused and the caller asked to abort
 * (the default, Go's way), or every recipient was refused. It is an SmtpReplyError for
 * the first refusal, and `recipients` holds every recipient's result in order, so the
 * failures are reported per recipient (DESIGN §7).
 */
export class RecipientsRefusedError extends SmtpReplyError {
  override name = "RecipientsRefusedError";
  override readonly code: string = "ERR_RECIPIENTS_REFUSED";
  readonly recipients: readonly RecipientOutcome[];

  constructor(
    recipients: readonly RecipientOutcome[],
    options: SmtpReplyErrorOptions & { allRefused?: boolean } = {},
  ) {
    const refused = recipients.filter((r) => !r.ok);
    const first = refused[0]?.reply ?? { code: 554, enhancedCode: undefined, message: "" };
    super(first, options);
    this.message =
      `${options.allRefused ? "no recipient accepted" : "recipient refused"}: ` +
      refused.map((r) => `<${r.address}> ${r.reply.code} ${r.reply.message}`).join("; ");
    this.recipients = recipients;
    // Temporary only when every refusal was temporary: a retry could then succeed.
    (this as { temporary: boolean }).temporary =
      refused.length > 0 && refused.every((r) => r.reply.code >= 400 && r.reply.code < 500);
  }
}

/** Malformed server input (a reply that does not parse, bad base64 in a 334, ...). */
export class SmtpProtocolError extends SmtpError {
  override name = "SmtpProtocolError";
  override readonly code: string = "ERR_SMTP_PROTOCOL";
}

/** A caller's argument that cannot be sent: CR, LF, NUL or another control character, ... */
export class InvalidArgumentError extends SmtpError {
  override name = "InvalidArgumentError";
  override readonly code: string = "ERR_INVALID_ARGUMENT";
}

/** The caller asked for an extension the server did not advertise (SMTPUTF8, REQUIRETLS, ...). */
export class ExtensionNotSupportedError extends SmtpError {
  override name = "ExtensionNotSupportedError";
  override readonly code: string = "ERR_EXTENSION_NOT_SUPPORTED";
}

/** The declared size is over the server's advertised SIZE limit (RFC 1870). */
export class MessageTooLargeError extends SmtpError {
  override name = "MessageTooLargeError";
  override readonly code: string = "ERR_MESSAGE_TOO_LARGE";
}

/**
 * TLS failed: handshake, certificate, STARTTLS not offered when required. Response
 * injection (bytes after STARTTLS's 220, before the handshake) has code
 * "ERR_STARTTLS_INJECTION".
 */
export class TlsError extends SmtpError {
  override name = "TlsError";
  override readonly code: string;

  constructor(message: string, options: SmtpErrorOptions & { code?: string } = {}) {
    super(message, { phase: options.phase ?? "tls", cause: options.cause });
    this.code = options.code ?? "ERR_TLS";
  }
}

/** The connection ended (EOF, reset, closed by us) while something was outstanding. */
export class ConnectionClosedError extends SmtpError {
  override name = "ConnectionClosedError";
  override readonly code: string = "ERR_CONNECTION_CLOSED";
}

/** A phase deadline or the total deadline passed; the socket was destroyed. */
export class TimeoutError extends SmtpError {
  override name = "TimeoutError";
  override readonly code: string = "ERR_TIMEOUT";
}

/** The caller's AbortSignal fired; `cause` is `signal.reason`. The socket was destroyed. */
export class AbortError extends SmtpError {
  override name = "AbortError";
  override readonly code: string = "ERR_ABORTED";
}
