// EXTERNAL (RFC 4422 Appendix A): the server authenticates the client by other
// means (typically its TLS client certificate). The initial response is the
// authorization identity, empty to act as the authenticated identity.
import type { Auth, AuthStart } from "./auth.js";
import { utf8 } from "./bytes.js";
import { UnexpectedChallengeError } from "./errors.js";
import type { ServerInfo } from "./server-info.js";
import { refuseControls } from "./validate.js";

const MECHANISM = "EXTERNAL";

export function externalAuth(identity = ""): Auth {
  return {
    start(_server: ServerInfo): AuthStart {
      refuseControls(identity, "identity", MECHANISM);
      // An empty identity is an empty initial response ("="), not an absent one:
      // RFC 4422 A.1 lets the server otherwise prompt with an empty challenge.
      return { mechanism: MECHANISM, initialResponse: utf8(identity) };
    },
    next(fromServer: Uint8Array, more: boolean): Uint8Array | null {
      // A server that did not take the initial response sends an empty
      // challenge; answer it with the identity (RFC 4422 A.1).
      if (more) {
        if (fromServer.length === 0) return utf8(identity);
        throw new UnexpectedChallengeError({ mechanism: MECHANISM });
      }
      return null;
    },
  };
}
