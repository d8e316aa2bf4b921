// MIME-style header keys and values, as Go's net/textproto (reader.go):
// canonical keys ("content-type" -> "Content-Type") and the byte classes of
// RFC 7230 §3.2 (field-name = token; field-value = VCHAR / SP / HTAB / obs-text).

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
//         "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA      (RFC 7230 §3.2.6)
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

/** VCHAR / SP / HTAB / obs-text (any byte >= 0x80; a decoded non-ASCII char). */
export function isHeaderValueChar(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c !== 0x7f);
}

/**
 * The canonical form of a header key: first letter and every letter after a
 * hyphen upper case, the rest lower case. A key holding a space or any
 * non-token character is returned unchanged (Go's CanonicalMIMEHeaderKey).
 */
export function canonicalMimeHeaderKey(key: string): string {
  return canonicalKey(key).key;
}

/**
 * Like {@link canonicalMimeHeaderKey}, and says whether the key is acceptable in
 * a header: only token characters and spaces, not empty. Keys with a space are
 * accepted (seen in the wild, go.dev/issue/34540) but not canonicalized.
 */
export function canonicalKey(key: string): { key: string; ok: boolean } {
  if (key.length === 0) return { key, ok: false };
  let noCanon = false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (isTokenChar(c)) continue;
    if (c === 0x20) {
      noCanon = true;
      continue;
    }
    return { key, ok: false };
  }
  if (noCanon) return { key, ok: true };
  let out = "";
  let upper = true;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (upper && c >= 0x61 && c <= 0x7a) c -= 0x20;
    else if (!upper && c >= 0x41 && c <= 0x5a) c += 0x20;
    out += String.fromCharCode(c);
    upper = c === 0x2d; // '-'
  }
  return { key: out, ok: true };
}
