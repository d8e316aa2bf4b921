// ANONYMOUS (RFC 4505): an optional trace string (an email address or an
// opaque token, RFC 4505 §2) as the initial response. No secret, no TLS rule.
import type { Auth, AuthStart } from "./auth.js";
import { utf8 } from "./bytes.js";
import { InvalidCredentialsError, UnexpectedChallengeError } from "./errors.js";
import type { ServerInfo } from "./server-info.js";
import { refuseControls } from "./validate.js";

const MECHANISM = "ANONYMOUS";

export function anonymousAuth(trace = ""): Auth {
  return {
    start(_server: ServerInfo): AuthStart {
      refuseControls(trace, "trace", MECHANISM);
      // RFC 4505 §3: trace is 0 to 255 UTF-8 characters.
      if ([...trace].length > 255) {
        throw new InvalidCredentialsError("trace", "must be at most 255 characters", {
          mechanism: MECHANISM,
        });
      }
      // An empty trace is sent as an empty initial response ("="), which is
      // what RFC 4505 §3 calls an empty message.
      return { mechanism: MECHANISM, initialResponse: utf8(trace) };
    },
    next(_fromServer: Uint8Array, more: boolean): null {
      if (more) throw new UnexpectedChallengeError({ mechanism: MECHANISM });
      return null;
    },
  };
}
