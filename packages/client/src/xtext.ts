// xtext (RFC 3461 §4): the encoding of the DSN parameter values ENVID and ORCPT.
//
//   xtext   = *( xchar / hexchar )
//   xchar   = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except "+" and "="
//   hexchar = "+" followed by two upper-case hexadecimal digits
//
// Exports:
//   encodeXtext(value: string): string   UTF-8 bytes of `value`, every byte that is not
//                                        an xchar written as "+HH". The result has no
//                                        space, control character, "+" or "=" of its own,
//                                        so it cannot break a MAIL/RCPT parameter list.
//   decodeXtext(xtext: string): string   the inverse; strict: a malformed xtext (a char
//                                        outside xchar, "+" not followed by two upper-case
//                                        hex digits, bytes that are not UTF-8) throws
//                                        InvalidArgumentError.

import { InvalidArgumentError } from "./errors.js";

const HEX = "0123456789ABCDEF";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function isXchar(byte: number): boolean {
  return byte >= 0x21 && byte <= 0x7e && byte !== 0x2b /* + */ && byte !== 0x3d /* = */;
}

/** Encodes `value` as xtext (RFC 3461 §4), byte by byte over its UTF-8 form. */
export function encodeXtext(value: string): string {
  let out = "";
  for (const byte of encoder.encode(value)) {
    out += isXchar(byte) ? String.fromCharCode(byte) : `+${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  // RFC 3461 §4: "two upper case hexadecimal digits"; lower case is not xtext.
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  return -1;
}

/** Decodes an xtext (RFC 3461 §4); throws InvalidArgumentError when it is malformed. */
export function decodeXtext(xtext: string): string {
  const bytes = new Uint8Array(xtext.length);
  let n = 0;
  for (let i = 0; i < xtext.length; i++) {
    const code = xtext.charCodeAt(i);
    if (code === 0x2b) {
      const hi = hexValue(xtext.charCodeAt(i + 1));
      const lo = hexValue(xtext.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) {
        throw new InvalidArgumentError(
          `malformed xtext: "+" at offset ${i} is not followed by two upper-case hex digits`,
        );
      }
      bytes[n++] = (hi << 4) | lo;
      i += 2;
    } else if (isXchar(code)) {
      bytes[n++] = code;
    } else {
      throw new InvalidArgumentError(`malformed xtext: character at offset ${i} is not an xchar`);
    }
  }
  try {
    return decoder.decode(bytes.subarray(0, n));
  } catch (cause) {
    throw new InvalidArgumentError("malformed xtext: the decoded bytes are not UTF-8", { cause });
  }
}
