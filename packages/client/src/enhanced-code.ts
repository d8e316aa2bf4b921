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

// Parsed by hand rather than with a regular expression: it runs on every reply, and a
// match array per reply is garbage the hot path (one transaction after another) can do
// without. Same grammar as /^([245])\.(\d{1,3})\.(\d{1,3})(?=[ \t\n]|$)/.

const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The end of a run of 1 to 3 digits starting at `from`, or -1 (none, or more than 3). */
function digitsEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length && isDigit(text.charCodeAt(at))) at++;
  const count = at - from;
  return count >= 1 && count <= 3 ? at : -1;
}

/** The enhanced status code at the start of `text`, when it agrees with `replyCode`. */
export function parseEnhancedCode(replyCode: number, text: string): string | undefined {
  const cls = text.charCodeAt(0);
  if (cls !== 0x32 && cls !== 0x34 && cls !== 0x35) return undefined; // "2" "4" "5"
  if (text.charCodeAt(1) !== DOT) return undefined;
  const subjectEnd = digitsEnd(text, 2);
  if (subjectEnd < 0 || text.charCodeAt(subjectEnd) !== DOT) return undefined;
  const end = digitsEnd(text, subjectEnd + 1);
  if (end < 0) return undefined;
  if (end < text.length) {
    const after = text.charCodeAt(end);
    if (after !== 0x20 && after !== 0x09 && after !== 0x0a) return undefined; // SP HTAB LF
  }
  if (Math.trunc(replyCode / 100) !== cls - ZERO) return undefined;
  return text.slice(0, end);
}
