// PLAIN (RFC 4616): one message, authzid NUL authcid NUL passwd, sent as the
// initial response. Go's PlainAuth, byte for byte, plus refusals of NUL (the
// field separator, RFC 4616 §2 UTF8SAFE) and of CR/LF in the two names.
import type { Auth, AuthStart } from "./auth.js";
import { utf8 } from "./bytes.js";
import { UnexpectedChallengeError } from "./errors.js";
import { assertSecretMayBeSent, type ServerInfo } from "./server-info.js";
import { refuseCharacters, refuseControls } from "./validate.js";

const MECHANISM = "PLAIN";

/**
 * PLAIN for `username`/`password`, acting as `identity` (usually "" to act as
 * the user). Only starts over TLS to `host` itself, or to localhost.
 */
export function plainAuth(
  identity: string,
  username: string,
  password: string,
  host: string,
): Auth {
  return {
    start(server: ServerInfo): AuthStart {
      assertSecretMayBeSent(server, host, MECHANISM);
      refuseControls(identity, "identity", MECHANISM);
      refuseControls(username, "username", MECHANISM);
      refuseCharacters(password, /\0/, "password", "NUL", MECHANISM);
      return {
        mechanism: MECHANISM,
        initialResponse: utf8(`${identity}\0${username}\0${password}`),
      };
    },
    next(_fromServer: Uint8Array, more: boolean): null {
      // Everything went in the initial response.
      if (more) throw new UnexpectedChallengeError({ mechanism: MECHANISM });
      return null;
    },
  };
}
