// OAUTHBEARER (RFC 7628). Initial response (§3.1):
//   gs2-header ^A "host=" host ^A "port=" port ^A "auth=Bearer " token ^A ^A
// with gs2-header "n,a=<saslname>," (RFC 5801 §4: "," and "=" escaped).
// On failure the server sends a JSON error as a challenge (§3.2.2); the client
// MUST answer with a single 0x01 (§3.2.3), after which the server fails the
// command. The parsed error is then available from `failure()` and is thrown
// if the server says anything more.
import type { Auth, AuthStart } from "./auth.js";
import { utf8 } from "./bytes.js";
import type { OAuthBearerError } from "./errors.js";
import { parseOAuthErrorChallenge } from "./oauth-error.js";
import { escapeSaslName } from "./saslname.js";
import { assertSecretMayBeSent, type ServerInfo } from "./server-info.js";
import { resolveToken, type TokenSource } from "./token.js";
import { refuseCharacters, refuseControls } from "./validate.js";

const MECHANISM = "OAUTHBEARER";

export interface OAuthBearerOptions {
  /** The server port, sent as "port=" (RFC 7628 §3.1); omitted when not given. */
  port?: number;
}

export function oauthBearerAuth(
  username: string,
  token: TokenSource,
  host: string,
  options: OAuthBearerOptions = {},
): Auth {
  let refused: OAuthBearerError | undefined;
  return {
    async start(server: ServerInfo): Promise<AuthStart> {
      assertSecretMayBeSent(server, host, MECHANISM);
      refuseControls(username, "username", MECHANISM);
      refuseCharacters(username, /\x01/, "username", "0x01", MECHANISM);
      refuseCharacters(host, /[\0-\x1f\x7f]/, "host", "control characters", MECHANISM);
      refused = undefined;
      const bearer = await resolveToken(token, MECHANISM);
      const authzid = username === "" ? "" : `a=${escapeSaslName(username)}`;
      let message = `n,${authzid},\x01host=${host}\x01`;
      if (options.port !== undefined) message += `port=${options.port}\x01`;
      message += `auth=Bearer ${bearer}\x01\x01`;
      return { mechanism: MECHANISM, initialResponse: utf8(message) };
    },
    next(fromServer: Uint8Array, more: boolean): Uint8Array | null {
      // After the error challenge the exchange can only fail (§3.2.3); a
      // server that continues or claims success is not believed.
      if (refused !== undefined) throw refused;
      if (!more) return null;
      refused = parseOAuthErrorChallenge(fromServer, MECHANISM);
      return Uint8Array.of(0x01);
    },
    failure(): Error | undefined {
      return refused;
    },
  };
}
