// Errors of @smtp/textproto: one base class, one subclass per failure, each with
// a stable string `code` (the undici pattern), so callers branch on `code` or
// `instanceof`, never on message text.

/** Base of every error this package throws. */
export class TextprotoError extends Error {
  readonly code: string = "ERR_TEXTPROTO";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A well-formed reply whose code did not match what the caller expected.
 * Thrown only after the whole (possibly multi-line) reply was consumed, so the
 * connection stays in step. The message is Go's `textproto.Error.Error()`.
 */
export class ReplyError extends TextprotoError {
  override readonly code = "ERR_REPLY";
  /** The three-digit reply code, e.g. 550. */
  readonly replyCode: number;
  /** The whole reply text, lines joined with "\n", without the "NNN-" prefixes. */
  readonly text: string;
  constructor(replyCode: number, text: string) {
    super(`${replyCode} ${text}`);
    this.replyCode = replyCode;
    this.text = text;
  }
}

/** Malformed input from the peer ("short response: ...", "invalid response code: ..."). */
export class ProtocolError extends TextprotoError {
  override readonly code = "ERR_PROTOCOL";
}

/** A line longer than the reader's `maxLineLength` (CRLF excluded). */
export class LineTooLongError extends TextprotoError {
  override readonly code = "ERR_LINE_TOO_LONG";
  readonly limit: number;
  constructor(limit: number) {
    super(`line longer than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * A multi-line reply with more lines than the reader's `maxReplyLines`: a peer
 * that streams "250-" lines forever must not grow memory without bound. The
 * rest of that reply is still unread, so the connection is out of step: close it.
 */
export class ReplyTooLongError extends TextprotoError {
  override readonly code = "ERR_REPLY_TOO_LONG";
  readonly limit: number;
  constructor(limit: number) {
    super(`reply longer than ${limit} lines`);
    this.limit = limit;
  }
}

/** A caller tried to write a line containing CR or LF (command injection guard). */
export class InvalidLineError extends TextprotoError {
  override readonly code = "ERR_INVALID_LINE";
  constructor(message = "a line must not contain CR or LF") {
    super(message);
  }
}

/** End of stream, a transport error (`cause`), or a destroyed connection. */
export class ConnectionClosedError extends TextprotoError {
  override readonly code = "ERR_CONNECTION_CLOSED";
}
