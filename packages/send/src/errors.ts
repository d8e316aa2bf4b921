// One error family for @smtp/send (DESIGN §7). Errors from the session itself
// (reply, protocol, TLS, timeout, abort, ...) come from @smtp/client unchanged;
// these classes are for the policy this package adds on top of it.

/** Base class of every error @smtp/send creates. `code` is stable; match on it. */
export class SendError extends Error {
  readonly code: string;
  constructor(message: string, code = "ERR_SEND", options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An address given to sendMail/send is not a valid command argument: CR, LF,
 *  NUL or another control character (Go's validateLine, widened). Raised before
 *  anything is dialed. The address is not echoed back (it may be hostile). */
export class InvalidAddressError extends SendError {
  readonly field: "from" | "to";
  readonly index: number | undefined;
  constructor(field: "from" | "to", index: number | undefined, reason: string) {
    super(
      `invalid ${field === "from" ? "from address" : index === undefined ? "recipient list" : `to address #${index + 1}`}: ${reason}`,
      "ERR_INVALID_ADDRESS",
    );
    this.field = field;
    this.index = index;
  }
}

/** `auth` was given but the server did not advertise AUTH (Go's text), or the
 *  server only answered HELO, so whether it supports AUTH is unknown. Go skips
 *  authentication silently in the HELO case; we refuse to send unauthenticated. */
export class AuthNotSupportedError extends SendError {
  constructor(detail?: string) {
    super(
      detail ? `server doesn't support AUTH (${detail})` : "server doesn't support AUTH",
      "ERR_AUTH_NOT_SUPPORTED",
    );
  }
}

/** tls: "required" and the server does not offer STARTTLS. Nothing else (no
 *  credentials, no envelope) was sent on the plain connection. */
export class TlsRequiredError extends SendError {
  constructor() {
    super('server doesn\'t offer STARTTLS and tls is "required"', "ERR_TLS_REQUIRED");
  }
}

/** send() on a sender that is closing or closed. */
export class SenderClosedError extends SendError {
  constructor() {
    super("the sender is closed", "ERR_SENDER_CLOSED");
  }
}

/** A message was still waiting (or in flight) when close({ abort: true }) ran. */
export class SendAbortedError extends SendError {
  constructor(cause?: unknown) {
    super("the sender was closed with abort before this message was sent", "ERR_SEND_ABORTED", {
      cause,
    });
  }
}
