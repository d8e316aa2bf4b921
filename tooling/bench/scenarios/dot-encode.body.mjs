// The message body the dot-encoding scenario feeds to both encoders: CRLF text lines of
// 10 to 130 bytes (about 70 on average, like wrapped mail text), a quarter of them starting
// with a dot, so every chunk has many dots to stuff (RFC 5321 §4.5.2).
//
// A 4 MiB pool is cut into 64 KiB chunks and replayed as often as needed, so a 1 GiB body
// costs 4 MiB of memory: what the measurement's peak RSS shows is the encoder's own use.

export const CHUNK_SIZE = 64 * 1024;
const POOL_SIZE = 4 * 1024 * 1024;

/** Deterministic pseudo-random numbers (xorshift32), so every run encodes the same bytes. */
function random(seed) {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}

/** The pool's chunks: exactly POOL_SIZE bytes of whole lines, so replaying it is seamless. */
export function makeChunks() {
  const pool = Buffer.alloc(POOL_SIZE);
  const next = random(0x5eed);
  const letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789,;:-";
  let at = 0;
  let line = 0;
  while (at < POOL_SIZE) {
    const left = POOL_SIZE - at;
    // Lines take at most 132 bytes, so the last one (what is left below 140) has 6 to 137.
    const length = left < 140 ? left - 2 : 10 + next(121);
    for (let i = 0; i < length; i++) pool[at + i] = letters.charCodeAt(next(letters.length));
    if (line % 4 === 0 && length > 0) pool[at] = 0x2e; // a dot-led line
    pool[at + length] = 0x0d;
    pool[at + length + 1] = 0x0a;
    at += length + 2;
    line++;
  }
  const chunks = [];
  for (let offset = 0; offset < POOL_SIZE; offset += CHUNK_SIZE) {
    chunks.push(pool.subarray(offset, offset + CHUNK_SIZE));
  }
  return chunks;
}

/** The chunks of a body of `bytes` bytes (a multiple of CHUNK_SIZE), replaying the pool. */
export function* bodyChunks(chunks, bytes) {
  const count = bytes / CHUNK_SIZE;
  for (let i = 0; i < count; i++) yield chunks[i % chunks.length];
}
