// @smtp/client: an SMTP/LMTP session in the shape of Go's net/smtp Client (client.ts),
// dialing (dial.ts), TLS (tls.ts), the pipelined transaction (transaction.ts), the AUTH
// exchange (auth-exchange.ts), the error family (errors.ts).
export type { ClientOptions, Reply, TlsConnectionState } from "./client.js";
export { Client, checkBareCr, newClient } from "./client.js";
export type { DataWriter, MessageBody } from "./data-writer.js";
export type { DialOptions } from "./dial.js";
export { dial } from "./dial.js";
export * from "./errors.js";
export {
  checkMailOptions,
  checkRcptOptions,
  type MailOptions,
  type RcptOptions,
} from "./mail-options.js";
export type { Timeouts } from "./timeouts.js";
export { DEFAULT_TIMEOUTS } from "./timeouts.js";
export type {
  Envelope,
  RecipientResult,
  TransactionResult,
} from "./transaction.js";
export type { TranscriptHook } from "./transcript.js";
export { checkAddress, checkLine } from "./validate.js";
