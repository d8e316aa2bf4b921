// XOAUTH2 (Google, Microsoft: https://developers.google.com/gmail/imap/xoauth2-protocol):
// initial response "user=<u>^Aauth=Bearer <token>^A^A". On a bad token the
// server sends a base64 JSON error as a 334 challenge; the client answers with
// an empty response and the server then fails the command (535).
import type { Auth, AuthStart } from "./auth.js";
import { utf8 } from "./bytes.js";
import type { OAuthBearerError } from "./errors.js";
import { parseOAuthErrorChallenge } from "./oauth-error.js";
import { assertSecretMayBeSent, type ServerInfo } from "./server-info.js";
import { resolveToken, type TokenSource } from "./token.js";
import { refuseCharacters, refuseControls } from "./validate.js";

const MECHANISM = "XOAUTH2";

export function xoauth2Auth(username: string, token: TokenSource, host: string): Auth {
  let refused: OAuthBearerError | undefined;
  return {
    async start(server: ServerInfo): Promise<AuthStart> {
      assertSecretMayBeSent(server, host, MECHANISM);
      refuseControls(username, "username", MECHANISM);
      refuseCharacters(username, /\x01/, "username", "0x01", MECHANISM);
      refused = undefined;
      // The provider runs only after the server passed the checks above.
      const bearer = await resolveToken(token, MECHANISM);
      return {
        mechanism: MECHANISM,
        initialResponse: utf8(`user=${username}\x01auth=Bearer ${bearer}\x01\x01`),
      };
    },
    next(fromServer: Uint8Array, more: boolean): Uint8Array | null {
      if (refused !== undefined) throw refused;
      if (!more) return null;
      // The only challenge XOAUTH2 knows is the error; acknowledge it with an
      // empty response so the server can finish with its failure reply.
      refused = parseOAuthErrorChallenge(fromServer, MECHANISM);
      return new Uint8Array(0);
    },
    failure(): Error | undefined {
      return refused;
    },
  };
}
