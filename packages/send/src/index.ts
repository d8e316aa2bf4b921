export type { CliIo } from "./cli/io.js";
export { main } from "./cli/main.js";
export type { Clock } from "./clock.js";
export {
  AuthNotSupportedError,
  InvalidAddressError,
  SendAbortedError,
  SendError,
  SenderClosedError,
  TlsRequiredError,
} from "./errors.js";
export type {
  SendMailOptions,
  SessionAuth,
  SessionOptions,
  TlsMode,
  TransactionOptions,
} from "./options.js";
export { type SendMailResult, sendMail } from "./send-mail.js";
export {
  createSender,
  type Message,
  type PoolOptions,
  type Sender,
  type SenderOptions,
  type SenderStats,
  type SendOutcome,
  type SendResult,
} from "./sender.js";
export type { RateLimit } from "./token-bucket.js";
