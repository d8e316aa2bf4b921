// Validation at the edge: every command argument is checked before anything is written,
// so a caller's value can never add a line, a command or a parameter to the session.
//
// Exports:
//   checkLine(value: string, what: string): void
//     CR or LF anywhere -> InvalidArgumentError "a line must not contain CR or LF" (Go's
//     net/smtp text, without its "smtp: " prefix). Beyond Go: NUL, every other C0 control
//     (U+0000-U+001F, TAB included) and DEL (U+007F) -> InvalidArgumentError naming `what`
//     and the character (never the value: it may be somebody's address or a token).
//   checkAddress(address: string, options: { smtpUtf8Advertised: boolean }): void
//     For MAIL FROM, RCPT TO, VRFY. checkLine; no "<" or ">" (they would close the path);
//     no space outside a quoted local part; length limits of RFC 5321 §4.5.3.1 in octets
//     (local part 64, domain 255, path 256 including "<" and ">", so the address 254);
//     a non-ASCII address needs SMTPUTF8 (RFC 6531 §3.2) -> ExtensionNotSupportedError
//     when the server did not advertise it. "" is allowed (the null reverse-path "<>").
//   addressNeedsSmtpUtf8(address: string): boolean
//     true when the address has a non-ASCII character (RFC 6531 §3.2).

import { Buffer } from "node:buffer";
import { ExtensionNotSupportedError, InvalidArgumentError } from "./errors.js";

// RFC 5321 §4.5.3.1.1-3.
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 256; // "<" address ">"

function describe(code: number): string {
  if (code === 0) return "NUL";
  if (code === 0x7f) return "DEL";
  return `control character U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Rejects CR, LF (Go's rule), NUL, the other C0 controls and DEL. */
export function checkLine(value: string, what: string): void {
  // CR and LF first, whatever else the value holds: Go's error text is the contract.
  if (value.includes("\r") || value.includes("\n")) {
    throw new InvalidArgumentError("a line must not contain CR or LF");
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      throw new InvalidArgumentError(`${what} must not contain ${describe(code)}`);
    }
  }
}

/** RFC 6531 §3.2: an address with a non-ASCII character can only be sent with SMTPUTF8. */
export function addressNeedsSmtpUtf8(address: string): boolean {
  for (let i = 0; i < address.length; i++) {
    if (address.charCodeAt(i) > 0x7f) return true;
  }
  return false;
}

export interface CheckAddressOptions {
  smtpUtf8Advertised: boolean;
}

/**
 * The UTF-8 length of `text` in octets. An ASCII string (the usual address) is one octet
 * per character: counted without encoding, so checking an address allocates nothing.
 */
function octets(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, "utf8");
  }
  return text.length;
}

/** Checks an address for MAIL FROM, RCPT TO or VRFY before anything is written. */
export function checkAddress(address: string, options: CheckAddressOptions): void {
  checkLine(address, "an address");
  if (address.includes("<") || address.includes(">")) {
    throw new InvalidArgumentError('an address must not contain "<" or ">"');
  }
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? "" : address.slice(at + 1);
  // RFC 5321 §4.1.2: a space can only appear inside a Quoted-string local part.
  const quoted = local.length >= 2 && local.startsWith('"') && local.endsWith('"');
  if (domain.includes(" ") || (!quoted && local.includes(" "))) {
    throw new InvalidArgumentError(
      "an address must not contain a space outside a quoted local part",
    );
  }
  if (octets(local) > MAX_LOCAL_PART) {
    throw new InvalidArgumentError(
      `the local part of an address is longer than ${MAX_LOCAL_PART} octets (RFC 5321 §4.5.3.1.1)`,
    );
  }
  if (octets(domain) > MAX_DOMAIN) {
    throw new InvalidArgumentError(
      `the domain of an address is longer than ${MAX_DOMAIN} octets (RFC 5321 §4.5.3.1.2)`,
    );
  }
  if (octets(address) + 2 > MAX_PATH) {
    throw new InvalidArgumentError(
      `an address is longer than ${MAX_PATH - 2} octets (path limit ${MAX_PATH}, RFC 5321 §4.5.3.1.3)`,
    );
  }
  if (!options.smtpUtf8Advertised && addressNeedsSmtpUtf8(address)) {
    throw new ExtensionNotSupportedError(
      "the address has non-ASCII characters and the server does not advertise SMTPUTF8 (RFC 6531)",
    );
  }
}
