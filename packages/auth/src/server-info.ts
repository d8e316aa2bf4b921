// What a mechanism may know about the server, and the rule that decides when a
// reusable secret may be sent (Go's PlainAuth, widened to LOGIN, XOAUTH2 and
// OAUTHBEARER).
import { UnencryptedConnectionError, WrongHostError } from "./errors.js";

export interface ServerInfo {
  /** The server name the client connected to (the host it verified TLS against). */
  name: string;
  /** True when the connection uses TLS with a certificate valid for `name`. */
  tls: boolean;
  /** The advertised AUTH mechanisms (EHLO AUTH keyword), as sent by the server. */
  auth: readonly string[];
}

/** Go's isLocalhost: the only names that may see a secret without TLS. */
export function isLocalhost(name: string): boolean {
  return name === "localhost" || name === "127.0.0.1" || name === "::1";
}

/**
 * Throws unless a reusable secret may go to `server`. Without TLS nothing the
 * server says can be trusted (an attacker can advertise PLAIN), so only
 * loopback is allowed; with TLS, the verified name must be the host the
 * credentials were made for. Same order of checks as Go.
 */
export function assertSecretMayBeSent(server: ServerInfo, host: string, mechanism: string): void {
  if (!server.tls && !isLocalhost(server.name)) {
    throw new UnencryptedConnectionError({ mechanism });
  }
  if (server.name !== host) {
    throw new WrongHostError({ mechanism });
  }
}
