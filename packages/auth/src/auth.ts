// The Auth interface: the contract between an SMTP client and one SASL
// mechanism (RFC 4954 AUTH, RFC 4422 SASL). It is Go's smtp.Auth with
// Uint8Array for []byte and promises allowed, so a mechanism may fetch a token.
//
// How a client drives it (RFC 4954 §4):
//   1. `start(server)` → `{ mechanism, initialResponse? }`. The client sends
//      `AUTH <mechanism>` plus the base64 initial response when there is one.
//      `initialResponse` absent means "no initial response"; an EMPTY
//      Uint8Array means "an empty initial response", which goes on the wire as
//      `AUTH <mechanism> =` (RFC 4954 §4). They are different things.
//   2. On every `334 <base64>` the client calls `next(decoded, true)` and sends
//      the base64 of the returned bytes (an empty Uint8Array is an empty line).
//   3. On `235` the client calls `next(text, false)` once, where `text` is the
//      reply text (not base64: it is not a challenge). The mechanism returns
//      `null`, or throws if success must not be believed (SCRAM without a
//      verified server signature).
//   4. If `start` or `next` throws, the client cancels the exchange with `*`.
//   5. On 504, 534 or 535 the client may try the next mechanism (see
//      `isFallbackReply`); it may call `failure()` first to attach the
//      mechanism's own view of why (OAUTHBEARER's parsed error challenge).
import type { ServerInfo } from "./server-info.js";

export interface AuthStart {
  /** The SASL mechanism name, upper case, as sent after AUTH. */
  mechanism: string;
  /** Absent: no initial response. Empty: an empty initial response ("="). */
  initialResponse?: Uint8Array;
}

export interface Auth {
  /** Begins one attempt; called once per AUTH command. */
  start(server: ServerInfo): AuthStart | Promise<AuthStart>;
  /**
   * Continues the exchange. `more` is true for a 334 challenge (a response is
   * required: return a Uint8Array, possibly empty) and false for the final
   * 235 (return null).
   */
  next(fromServer: Uint8Array, more: boolean): Uint8Array | null | Promise<Uint8Array | null>;
  /**
   * Optional: the mechanism's own explanation when the server rejected the
   * attempt after a challenge the mechanism understood (e.g. RFC 7628 §3.2.2's
   * JSON error). A client reads it when AUTH ends in 5xx, to use as `cause`.
   */
  failure?(): Error | undefined;
}
