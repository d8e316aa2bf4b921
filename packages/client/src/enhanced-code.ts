// Enhanced mail system status codes (RFC 2034 ENHANCEDSTATUSCODES, RFC 3463).
//
// Exports:
//   parseEnhancedCode(replyCode: number, text: string): string | undefined
//     The "class.subject.detail" code at the start of a reply's text, e.g. "5.1.1" from
//     `550` + "5.1.1 <bob@example.org>: user unknown", or undefined when there is none.
//     `text` is the reply text without the "NNN " prefix (the first line of a multi-line
//     reply is enough; later lines after "\n" are ignored).
//
// RFC 3463 §2:
//   status-code = class "." subject "." detail
//   class       = "2" / "4" / "5"
//   subject     = 1*3digit
//   detail      = 1*3digit
// RFC 2034 §4: the code comes first in the text, followed by a space. RFC 3463 §3.1: the
// class must agree with the first digit of the reply code; a code that disagrees is not
// trusted (a server that mixes them up gives us no reliable information), so it is
// ignored rather than guessed at. Replies of class 1 and 3 carry none.

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?=[ \t\n]|$)/;

/** The enhanced status code at the start of `text`, when it agrees with `replyCode`. */
export function parseEnhancedCode(replyCode: number, text: string): string | undefined {
  const match = ENHANCED.exec(text);
  if (match === null) return undefined;
  if (Math.trunc(replyCode / 100) !== Number(match[1])) return undefined;
  return match[0];
}
