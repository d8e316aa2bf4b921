// One error family for @smtp/auth. Every error has a stable string `code` that
// callers can switch on; messages are for people and NEVER carry a secret
// (password, token, client proof, derived key). Go's texts are kept verbatim
// where Go has one ("unencrypted connection", "wrong host name",
// "unexpected server challenge").

export interface AuthErrorOptions {
  /** The SASL mechanism name, when the error belongs to one. */
  mechanism?: string;
  cause?: unknown;
}

/** Base class: every error thrown by @smtp/auth is an AuthError. */
export class AuthError extends Error {
  readonly code: string;
  readonly mechanism: string | undefined;

  constructor(message: string, code = "ERR_AUTH", options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.mechanism = options.mechanism;
  }
}

/** A reusable secret would travel in clear text to a non-local server (Go's PlainAuth rule). */
export class UnencryptedConnectionError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super("unencrypted connection", "ERR_AUTH_UNENCRYPTED_CONNECTION", options);
  }
}

/** The server is not the host the credentials were made for (Go's PlainAuth rule). */
export class WrongHostError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super("wrong host name", "ERR_AUTH_WRONG_HOST", options);
  }
}

/** The server sent a challenge where the mechanism has nothing more to say. */
export class UnexpectedChallengeError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super("unexpected server challenge", "ERR_AUTH_UNEXPECTED_CHALLENGE", options);
  }
}

/** A server message does not parse as the mechanism requires. */
export class InvalidChallengeError extends AuthError {
  constructor(reason: string, options?: AuthErrorOptions) {
    super(`invalid server challenge: ${reason}`, "ERR_AUTH_INVALID_CHALLENGE", options);
  }
}

/**
 * A credential cannot be sent as given: a control character in a user name, a
 * separator byte inside a field, an empty token. `field` names the field,
 * never its value.
 */
export class InvalidCredentialsError extends AuthError {
  readonly field: string;
  constructor(field: string, reason: string, options?: AuthErrorOptions) {
    super(`${field} ${reason}`, "ERR_AUTH_INVALID_CREDENTIALS", options);
    this.field = field;
  }
}

/** SASLprep (RFC 4013) refused a string: prohibited character or bidi rule. */
export class SaslPrepError extends AuthError {
  readonly field: string;
  constructor(field: string, reason: string, options?: AuthErrorOptions) {
    super(`${field} ${reason} (SASLprep, RFC 4013)`, "ERR_AUTH_SASLPREP", options);
    this.field = field;
  }
}

/** SCRAM: the server's v= does not prove that it knows the password (RFC 5802 §9). */
export class ServerSignatureError extends AuthError {
  constructor(reason = "server signature does not match", options?: AuthErrorOptions) {
    super(reason, "ERR_AUTH_SERVER_SIGNATURE", options);
  }
}

/** SCRAM: the server answered with e=<server-error-value> (RFC 5802 §7). */
export class ScramServerError extends AuthError {
  /** The server-error-value, e.g. "invalid-proof", "unknown-user". */
  readonly serverError: string;
  constructor(serverError: string, options?: AuthErrorOptions) {
    super(`server error: ${serverError}`, "ERR_AUTH_SCRAM_SERVER", options);
    this.serverError = serverError;
  }
}

/** SCRAM: the combined nonce does not start with the client's nonce (RFC 5802 §5.1 r=). */
export class ScramNonceError extends AuthError {
  constructor(options?: AuthErrorOptions) {
    super("server nonce does not start with the client nonce", "ERR_AUTH_SCRAM_NONCE", options);
  }
}

/** SCRAM: the iteration count is below the floor (RFC 7677 §4: at least 4096). */
export class ScramIterationCountError extends AuthError {
  readonly iterations: number;
  readonly minimum: number;
  constructor(iterations: number, minimum: number, options?: AuthErrorOptions) {
    super(
      `iteration count ${iterations} is below the minimum ${minimum}`,
      "ERR_AUTH_SCRAM_ITERATIONS",
      options,
    );
    this.iterations = iterations;
    this.minimum = minimum;
  }
}

/**
 * OAUTHBEARER / XOAUTH2: the server refused the token with a JSON error
 * challenge (RFC 7628 §3.2.2). Carries the parsed fields, never the token.
 */
export class OAuthBearerError extends AuthError {
  readonly status: string | undefined;
  readonly scope: string | undefined;
  readonly schemes: string | undefined;
  readonly openidConfiguration: string | undefined;
  constructor(
    fields: { status?: string; scope?: string; schemes?: string; openidConfiguration?: string },
    options?: AuthErrorOptions,
  ) {
    super(
      `token refused by the server${fields.status === undefined ? "" : `: status ${fields.status}`}`,
      "ERR_AUTH_OAUTH",
      options,
    );
    this.status = fields.status;
    this.scope = fields.scope;
    this.schemes = fields.schemes;
    this.openidConfiguration = fields.openidConfiguration;
  }
}

/** The caller's token provider threw or returned something that is not a token. */
export class TokenProviderError extends AuthError {
  constructor(reason: string, options?: AuthErrorOptions) {
    super(`token provider failed: ${reason}`, "ERR_AUTH_TOKEN_PROVIDER", options);
  }
}
