// Refusals at the edge: a credential that would be ambiguous or smuggle a line
// break is refused before anything is sent. The payload travels base64-encoded,
// so CR/LF cannot inject SMTP commands, but they and NUL would still be
// misread by the server (PLAIN separates its fields with NUL, XOAUTH2 and
// OAUTHBEARER with 0x01, many servers pass names to C code).
import { InvalidCredentialsError } from "./errors.js";

const LINE_OR_NUL = /[\r\n\0]/;

/** Refuses CR, LF and NUL (used for user names and authorization identities). */
export function refuseLineBreaks(value: string, field: string, mechanism: string): void {
  if (LINE_OR_NUL.test(value)) {
    throw new InvalidCredentialsError(field, "must not contain CR, LF or NUL", { mechanism });
  }
}

/** Refuses a field that contains one of the mechanism's separator characters. */
export function refuseCharacters(
  value: string,
  forbidden: RegExp,
  field: string,
  description: string,
  mechanism: string,
): void {
  if (forbidden.test(value)) {
    throw new InvalidCredentialsError(field, `must not contain ${description}`, { mechanism });
  }
}
