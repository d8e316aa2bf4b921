// node:crypto, loaded on first use rather than at import: only CRAM-MD5 and SCRAM need
// it, and a process that never authenticates that way (no AUTH, PLAIN over TLS, XOAUTH2)
// need not carry it (with node:tls, about 1.5 MiB of resident memory; tooling/bench, S3).

import type * as Crypto from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let crypto: typeof Crypto | undefined;

/** The node:crypto module, loaded the first time it is needed. */
export function nodeCrypto(): typeof Crypto {
  crypto ??= require("node:crypto") as typeof Crypto;
  return crypto;
}
