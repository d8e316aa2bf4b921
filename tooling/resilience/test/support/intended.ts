// What a DATA body is meant to look like at the server, written independently of the
// encoder (RFC 5321 §4.5.2 and DESIGN §2): a bare LF becomes CRLF, CRLF passes unchanged,
// a bare CR becomes CRLF ("crlf", the client's default: RFC 5321 §2.3.8, no SMTP
// smuggling) or passes unchanged ("pass": DESIGN §2, the encoder's own default), dots
// need no care (stuffing is undone by the server), and the body ends with a line ending:
// CRLF appended to an unterminated last line, LF to a trailing bare CR, and an empty
// body arrives as one empty line.
export function intendedDataBody(body: Uint8Array, bareCr: "crlf" | "pass" = "crlf"): Buffer {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (byte === 0x0a && (i === 0 || body[i - 1] !== 0x0d)) out.push(0x0d);
    out.push(byte);
    const bare = byte === 0x0d && i + 1 < body.length && body[i + 1] !== 0x0a;
    if (bare && bareCr === "crlf") out.push(0x0a);
  }
  const last = out[out.length - 1];
  if (last === 0x0d) out.push(0x0a);
  else if (last !== 0x0a) out.push(0x0d, 0x0a);
  return Buffer.from(out);
}

/** The body as an async iterable of `size`-byte chunks (chunk boundaries anywhere). */
export async function* inChunks(
  body: Uint8Array,
  sizes: readonly number[],
): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < body.length) {
    const size = Math.max(1, sizes.length === 0 ? body.length : sizes[i++ % sizes.length]!);
    yield body.subarray(at, at + size);
    at += size;
  }
}
