// EXAMPLE: a SASL mechanism for @smtp/auth, in its own package.
//
// This file is the template `pnpm new:auth example` wrote. It shows the whole
// contract (packages/auth/README.md, "Writing a mechanism"):
//   start(server)        -> { mechanism, initialResponse? }; called once per attempt,
//                           so reset per-attempt state here
//   next(challenge, true)  -> the response to a 334 challenge (a Uint8Array, may be empty)
//   next(text, false)      -> null once the server said 235 (or throw to refuse success)
//   throw an AuthError subclass from @smtp/auth to cancel the exchange.
// Replace the exchange below with your mechanism's; keep the imports to @smtp/auth.
import {
  type Auth,
  type AuthStart,
  assertSecretMayBeSent,
  InvalidCredentialsError,
  type ServerInfo,
  UnexpectedChallengeError,
} from "@smtp/auth";

const MECHANISM = "EXAMPLE";

/**
 * Sends `username` as the initial response and `secret` in answer to the one
 * challenge. The secret is reusable, so the mechanism only starts over TLS to
 * `host` (or to localhost), as PLAIN does.
 */
export function exampleAuth(username: string, secret: string, host: string): Auth {
  let answered = false;
  return {
    start(server: ServerInfo): AuthStart {
      assertSecretMayBeSent(server, host, MECHANISM);
      if (/[\r\n\0]/.test(username)) {
        throw new InvalidCredentialsError("username", "must not contain CR, LF or NUL", {
          mechanism: MECHANISM,
        });
      }
      answered = false;
      return { mechanism: MECHANISM, initialResponse: new TextEncoder().encode(username) };
    },
    next(_fromServer: Uint8Array, more: boolean): Uint8Array | null {
      if (!more) return null;
      if (answered) throw new UnexpectedChallengeError({ mechanism: MECHANISM });
      answered = true;
      return new TextEncoder().encode(secret);
    },
  };
}
