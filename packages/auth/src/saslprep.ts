// SASLprep (RFC 4013): the stringprep (RFC 3454) profile SCRAM applies to user
// names and passwords (RFC 5802 §2.2 Normalize), so that "ｐａｓｓ" typed on one
// keyboard and "pass" on another, or a password with a no-break space, hash the
// same on client and server.
//
// Steps (RFC 4013 §2): map (§2.1), normalize with NFKC (§2.2), refuse
// prohibited output (§2.3), check bidirectional text (§2.4, RFC 3454 §6).
//
// Deliberate approximations, because JavaScript ships Unicode tables newer than
// RFC 3454's Unicode 3.2 and no Bidi_Class property in regular expressions:
// - NFKC is String.prototype.normalize (current Unicode, not 3.2).
// - "Unassigned" (RFC 3454 A.1, prohibited for stored strings as RFC 5802
//   requires) is \p{Cn} of the running engine, not Unicode 3.2's list.
// - RandALCat is RFC 3454 table D.1 exactly; LCat (table D.2) is approximated
//   as letters and spacing marks that are not right-to-left.
import { SaslPrepError } from "./errors.js";

// RFC 3454 B.1: commonly mapped to nothing.
const MAPPED_TO_NOTHING =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: a table of single code points; combining marks are meant to match alone.
  /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;

// RFC 3454 C.1.2: non-ASCII space characters, mapped to SPACE (RFC 4013 §2.1).
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;

// RFC 4013 §2.3 prohibited output, by RFC 3454 table.
const PROHIBITED = new RegExp(
  [
    "[\\u00A0\\u1680\\u2000-\\u200B\\u202F\\u205F\\u3000]", // C.1.2 non-ASCII space
    "[\\u0000-\\u001F\\u007F]", // C.2.1 ASCII control
    "[\\u0080-\\u009F\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC\\u{1D173}-\\u{1D17A}]", // C.2.2 non-ASCII control
    "[\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}]", // C.3 private use
    "[\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\u{1FFFE}\\u{1FFFF}\\u{2FFFE}\\u{2FFFF}\\u{3FFFE}\\u{3FFFF}\\u{4FFFE}\\u{4FFFF}\\u{5FFFE}\\u{5FFFF}\\u{6FFFE}\\u{6FFFF}\\u{7FFFE}\\u{7FFFF}\\u{8FFFE}\\u{8FFFF}\\u{9FFFE}\\u{9FFFF}\\u{AFFFE}\\u{AFFFF}\\u{BFFFE}\\u{BFFFF}\\u{CFFFE}\\u{CFFFF}\\u{DFFFE}\\u{DFFFF}\\u{EFFFE}\\u{EFFFF}\\u{FFFFE}\\u{FFFFF}\\u{10FFFE}\\u{10FFFF}]", // C.4 non-character
    "[\\uD800-\\uDFFF]", // C.5 surrogate (a lone one in a JS string)
    "[\\uFFF9-\\uFFFD]", // C.6 inappropriate for plain text
    "[\\u2FF0-\\u2FFB]", // C.7 inappropriate for canonical representation
    "[\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E\\u206A-\\u206F]", // C.8 change display properties
    "[\\u{E0001}\\u{E0020}-\\u{E007F}]", // C.9 tagging
    "\\p{Cn}", // A.1 unassigned (stored strings, RFC 5802 §2.2)
  ].join("|"),
  "u",
);

// RFC 3454 D.1: characters with bidirectional property R or AL.
const RAND_AL_CAT =
  /[\u05BE\u05C0\u05C3\u05D0-\u05EA\u05F0-\u05F4\u061B\u061F\u0621-\u063A\u0640-\u064A\u066D-\u066F\u0671-\u06D5\u06DD\u06E5\u06E6\u06FA-\u06FE\u0700-\u070D\u0710\u0712-\u072C\u0780-\u07A5\u07B1\u200F\uFB1D\uFB1F-\uFB28\uFB2A-\uFB36\uFB38-\uFB3C\uFB3E\uFB40\uFB41\uFB43\uFB44\uFB46-\uFBB1\uFBD3-\uFD3D\uFD50-\uFD8F\uFD92-\uFDC7\uFDF0-\uFDFC\uFE70-\uFE74\uFE76-\uFEFC]/u;

// Approximation of RFC 3454 D.2 (bidirectional property L): see the header.
const LETTER_LIKE = /[\p{L}\p{Mc}]/u;
const RIGHT_TO_LEFT_SCRIPT =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;

function isRandALCat(c: string): boolean {
  return RAND_AL_CAT.test(c);
}

function isLCat(c: string): boolean {
  return LETTER_LIKE.test(c) && !RAND_AL_CAT.test(c) && !RIGHT_TO_LEFT_SCRIPT.test(c);
}

/**
 * Prepares `input` with SASLprep for use as a stored string. Throws
 * SaslPrepError naming `field` (never the value) when the string is refused.
 */
export function saslPrep(input: string, field = "string"): string {
  // §2.1 mapping: B.1 first (so U+200B, in both tables, is dropped), then C.1.2.
  const mapped = input.replace(MAPPED_TO_NOTHING, "").replace(NON_ASCII_SPACE, " ");
  // §2.2 normalization.
  const normalized = mapped.normalize("NFKC");
  // §2.3 prohibited output; §2.4 bidirectional characters (RFC 3454 §6).
  const chars = [...normalized];
  let hasRandAL = false;
  let hasL = false;
  for (const c of chars) {
    if (PROHIBITED.test(c)) throw new SaslPrepError(field, "contains a prohibited character");
    if (isRandALCat(c)) hasRandAL = true;
    else if (isLCat(c)) hasL = true;
  }
  if (hasRandAL) {
    if (hasL) throw new SaslPrepError(field, "mixes left-to-right and right-to-left text");
    const first = chars[0] ?? "";
    const last = chars[chars.length - 1] ?? "";
    if (!isRandALCat(first) || !isRandALCat(last)) {
      throw new SaslPrepError(field, "must start and end with a right-to-left character");
    }
  }
  return normalized;
}
