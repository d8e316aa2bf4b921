// Refusals at the edge: a credential that would be ambiguous or smuggle a line
// break is refused before anything is sent. The payload travels base64-encoded,
// so CR/LF cannot inject SMTP commands, but they and NUL would still be
// misread by the server (PLAIN separates its fields with NUL, XOAUTH2 and
// OAUTHBEARER with 0x01, many servers pass names to C code).
import { InvalidCredentialsError } from "./errors.js";

// Every C0 control and DEL: CR, LF and NUL for the reasons above, and the rest
// because no user name needs them and SASLprep (RFC 4013 §2.3, table C.2.1)
// prohibits them too, so PLAIN/LOGIN stay as strict as SCRAM.
const CONTROL = /[\x00-\x1f\x7f]/;

/** Refuses control characters (CR, LF, NUL, the other C0 controls, DEL) in user names and identities. */
export function refuseControls(value: string, field: string, mechanism: string): void {
  if (CONTROL.test(value)) {
    throw new InvalidCredentialsError(
      field,
      "must not contain control characters (CR, LF, NUL, ...)",
      {
        mechanism,
      },
    );
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
