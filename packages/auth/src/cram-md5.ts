// CRAM-MD5 (RFC 2195): the server's challenge is HMAC-MD5'd with the shared
// secret; the response is "<username> <hex digest>". Go's CRAMMD5Auth: no
// initial response, no TLS rule (the secret itself never travels), and any
// challenge bytes are accepted as they are.
import type { Auth, AuthStart } from "./auth.js";
import { utf8 } from "./bytes.js";
import { nodeCrypto } from "./node-crypto.js";
import type { ServerInfo } from "./server-info.js";
import { refuseControls } from "./validate.js";

const MECHANISM = "CRAM-MD5";

export function cramMd5Auth(username: string, secret: string): Auth {
  return {
    start(_server: ServerInfo): AuthStart {
      refuseControls(username, "username", MECHANISM);
      return { mechanism: MECHANISM };
    },
    next(fromServer: Uint8Array, more: boolean): Uint8Array | null {
      if (!more) return null;
      const digest = nodeCrypto().createHmac("md5", secret).update(fromServer).digest("hex");
      return utf8(`${username} ${digest}`);
    },
  };
}
