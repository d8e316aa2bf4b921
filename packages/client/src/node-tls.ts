// node:tls, loaded on first use rather than at import. It pulls node:crypto in with it,
// and a process that never speaks TLS (a relay on localhost, LMTP, the bench's S3) would
// carry both for nothing: about 1.5 MiB of resident memory (tooling/bench, S3).

import { createRequire } from "node:module";
import type * as Tls from "node:tls";

const require = createRequire(import.meta.url);
let tls: typeof Tls | undefined;

/** The node:tls module, loaded the first time it is needed. */
export function nodeTls(): typeof Tls {
  tls ??= require("node:tls") as typeof Tls;
  return tls;
}

/**
 * Whether `socket` is a TLSSocket, without loading node:tls for a plain one: every
 * TLSSocket sets `encrypted` to true, and only then is the class checked.
 */
export function isTlsSocket(socket: unknown): socket is Tls.TLSSocket {
  return (
    (socket as { encrypted?: unknown } | null)?.encrypted === true &&
    socket instanceof nodeTls().TLSSocket
  );
}
