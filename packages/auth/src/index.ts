// @smtp/auth: the SASL Auth interface and its mechanisms.
//   auth.ts         the Auth contract (start/next), shared by every mechanism
//   server-info.ts  ServerInfo and Go's "never send a secret in clear" rule
//   plain.ts login.ts cram-md5.ts xoauth2.ts oauthbearer.ts scram.ts
//   anonymous.ts external.ts      one mechanism each
//   saslprep.ts     RFC 4013 string preparation for SCRAM
//   choose.ts       strongest-first selection and the fallback rule
//   errors.ts       AuthError and its subclasses
export { anonymousAuth } from "./anonymous.js";
export type { Auth, AuthStart } from "./auth.js";
export type { ChannelBinding, ChannelBindingType } from "./channel-binding.js";
export {
  type ChooseOptions,
  type Credentials,
  chooseMechanisms,
  isFallbackReply,
  PASSWORD_MECHANISMS,
  TOKEN_MECHANISMS,
} from "./choose.js";
export { cramMd5Auth } from "./cram-md5.js";
export {
  AuthError,
  type AuthErrorOptions,
  InvalidChallengeError,
  InvalidCredentialsError,
  OAuthBearerError,
  SaslPrepError,
  ScramIterationCountError,
  ScramNonceError,
  ScramServerError,
  ServerSignatureError,
  TokenProviderError,
  UnencryptedConnectionError,
  UnexpectedChallengeError,
  WrongHostError,
} from "./errors.js";
export { externalAuth } from "./external.js";
export { loginAuth } from "./login.js";
export { type OAuthBearerOptions, oauthBearerAuth } from "./oauthbearer.js";
export { plainAuth } from "./plain.js";
export { saslPrep } from "./saslprep.js";
export {
  DEFAULT_MAX_ITERATIONS,
  DEFAULT_MIN_ITERATIONS,
  type ScramHash,
  type ScramOptions,
  scramSha1Auth,
  scramSha1PlusAuth,
  scramSha256Auth,
  scramSha256PlusAuth,
} from "./scram.js";
export { assertSecretMayBeSent, isLocalhost, type ServerInfo } from "./server-info.js";
export type { TokenSource } from "./token.js";
export { xoauth2Auth } from "./xoauth2.js";
