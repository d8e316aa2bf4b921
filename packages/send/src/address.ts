import { InvalidAddressError } from "./errors.js";

// Go's SendMail runs validateLine on from and every to before it dials, so a
// hostile address can never smuggle a second command (CRLF injection). We reject
// every C0 control and DEL too: none is legal in an RFC 5321 §4.1.2 path.
const forbidden = /[\u0000-\u001f\u007f]/;

function reasonFor(address: unknown): string | undefined {
  if (typeof address !== "string") return "must be a string";
  const match = forbidden.exec(address);
  if (!match) return undefined;
  const c = match[0];
  if (c === "\r" || c === "\n") return "a line must not contain CR or LF";
  return `contains control character U+${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`;
}

/** Throws InvalidAddressError when `from` or any of `to` is unusable. The empty
 *  reverse path "" (RFC 5321 §4.5.5, bounces) is allowed for `from`. */
export function checkAddresses(from: string, to: readonly string[]): void {
  const fromReason = reasonFor(from);
  if (fromReason) throw new InvalidAddressError("from", undefined, fromReason);
  if (!Array.isArray(to) || to.length === 0) {
    throw new InvalidAddressError("to", undefined, "at least one recipient is required");
  }
  to.forEach((address, index) => {
    const reason = reasonFor(address);
    if (reason) throw new InvalidAddressError("to", index, reason);
    if (address === "") throw new InvalidAddressError("to", index, "must not be empty");
  });
}
