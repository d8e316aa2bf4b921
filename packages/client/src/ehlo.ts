// The EHLO/LHLO reply (RFC 5321 §4.1.1.1), parsed by Go's rules (net/smtp `ehlo`).
//
// Exports:
//   parseEhloReply(message: string): { greeting: string; extensions: Map<string, string> }
//     `message` is the reply text, lines joined with "\n" (textproto's readResponse).
//     Line 1 is the greeting. Each further line is "KEYWORD params", split at the first
//     space; the keyword is upper-cased (so a lower-case "starttls" is seen), the params
//     are kept as sent. A one-line reply means no extensions. When a keyword appears
//     twice the last one wins, as in Go. One difference: a line with an empty keyword
//     (an empty line) is skipped instead of being stored under "".
//   sizeLimit(extensions): number | undefined
//     The SIZE limit (RFC 1870 §4): undefined when SIZE is not advertised, has no
//     number, or is 0 ("no fixed maximum").
//   authMechanisms(extensions): string[]
//     The AUTH mechanism list (RFC 4954 §3), upper-cased, empty entries dropped (Go
//     keeps them; a doubled space would give Go an "" mechanism). [] when AUTH is absent.

export interface EhloReply {
  greeting: string;
  extensions: Map<string, string>;
}

export function parseEhloReply(message: string): EhloReply {
  const lines = message.split("\n");
  const extensions = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const space = line.indexOf(" ");
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    if (keyword === "") continue;
    extensions.set(keyword, space < 0 ? "" : line.slice(space + 1));
  }
  return { greeting: lines[0] ?? "", extensions };
}

/** RFC 1870 §4: "SIZE" [SP number]; 0 or no number means no fixed limit. */
export function sizeLimit(extensions: ReadonlyMap<string, string>): number | undefined {
  const params = extensions.get("SIZE");
  if (params === undefined) return undefined;
  const value = params.trim();
  if (!/^\d{1,20}$/.test(value)) return undefined;
  const limit = Number(value);
  return limit > 0 ? limit : undefined;
}

/** RFC 4954 §3: "AUTH" SP mechanism *(SP mechanism). */
export function authMechanisms(extensions: ReadonlyMap<string, string>): string[] {
  const params = extensions.get("AUTH");
  if (params === undefined) return [];
  return params
    .split(" ")
    .filter((m) => m !== "")
    .map((m) => m.toUpperCase());
}
