// LOGIN (draft-murchison-sasl-login-00, never an RFC but what Exchange,
// Office 365 and most servers speak): the server prompts "Username:" then
// "Password:" (base64), the client answers each. No initial response, since
// not every server accepts one. Sends a reusable secret, so Go's PlainAuth rule
// applies.
import type { Auth, AuthStart } from "./auth.js";
import { text, utf8 } from "./bytes.js";
import { UnexpectedChallengeError } from "./errors.js";
import { assertSecretMayBeSent, type ServerInfo } from "./server-info.js";
import { refuseControls } from "./validate.js";

const MECHANISM = "LOGIN";

export function loginAuth(username: string, password: string, host: string): Auth {
  let sentUsername = false;
  let sentPassword = false;
  return {
    start(server: ServerInfo): AuthStart {
      assertSecretMayBeSent(server, host, MECHANISM);
      refuseControls(username, "username", MECHANISM);
      sentUsername = false;
      sentPassword = false;
      return { mechanism: MECHANISM };
    },
    next(fromServer: Uint8Array, more: boolean): Uint8Array | null {
      if (!more) return null;
      // The prompts are informational; servers word them differently, so the
      // prompt decides only when it names a field, otherwise order does.
      const prompt = text(fromServer).toLowerCase();
      if (prompt.startsWith("password") && !sentPassword) {
        sentPassword = true;
        return utf8(password);
      }
      if (!sentUsername) {
        sentUsername = true;
        return utf8(username);
      }
      if (!sentPassword) {
        sentPassword = true;
        return utf8(password);
      }
      throw new UnexpectedChallengeError({ mechanism: MECHANISM });
    },
  };
}
