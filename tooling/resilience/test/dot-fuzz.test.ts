// Random bodies through DotEncoder then DotDecoder, each cut into random chunks (issue 7,
// fuzzing): the decoded bytes are the intended body (support/intended.ts, written without
// the codec), the block ends exactly at the end of the encoding, and no line of the
// encoding but the last is a lone "." (no early end of data, no smuggling). Arbitrary
// bytes through the decoder never throw.

import { DotDecoder, DotEncoder } from "@smtp/textproto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { RUNS } from "./support/fuzz.js";
import { intendedDataBody } from "./support/intended.js";

// Mostly the bytes that matter to dot-stuffing, some of anything.
const byte = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x2e) },
  { weight: 3, arbitrary: fc.constantFrom(0x61, 0x20, 0x00, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const body = fc.array(byte, { maxLength: 200 }).map((b) => Uint8Array.from(b));
const cuts = fc.array(fc.integer({ min: 1, max: 32 }), { minLength: 1, maxLength: 6 });

function split(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

it(`DotEncoder -> DotDecoder on ${RUNS} random bodies and chunkings, both bareCr modes: the intended body, exactly`, () => {
  fc.assert(
    fc.property(
      body,
      cuts,
      cuts,
      fc.constantFrom("pass", "crlf" as const),
      (input, encodeCuts, decodeCuts, bareCr) => {
        const encoder = new DotEncoder({ bareCr });
        const encoded = Buffer.concat([
          ...split(input, encodeCuts).map((chunk) => Buffer.from(encoder.encode(chunk))),
          Buffer.from(encoder.end()),
        ]);
        // Only the last line may be a lone "." (RFC 5321 §4.5.2).
        const lines = encoded.toString("latin1").split("\r\n");
        expect(lines.slice(0, -2).includes(".")).toBe(false);
        expect(lines.slice(-2)).toEqual([".", ""]);

        const decoder = new DotDecoder();
        const decoded: Buffer[] = [];
        let consumed = 0;
        let done = false;
        for (const chunk of split(encoded, decodeCuts)) {
          expect(done).toBe(false);
          const result = decoder.decode(chunk);
          decoded.push(Buffer.from(result.data));
          consumed += result.consumed;
          done = result.done;
        }
        expect(done).toBe(true);
        expect(consumed).toBe(encoded.length);
        expect(Buffer.concat(decoded).equals(intendedDataBody(input, bareCr))).toBe(true);
      },
    ),
    { numRuns: RUNS },
  );
});

it(`DotDecoder on ${RUNS} arbitrary byte streams: never throws, never consumes past the chunk`, () => {
  fc.assert(
    fc.property(body, cuts, (input, sizes) => {
      const decoder = new DotDecoder();
      for (const chunk of split(input, sizes)) {
        const result = decoder.decode(chunk);
        expect(result.consumed).toBeLessThanOrEqual(chunk.length);
        expect(result.data.length).toBeLessThanOrEqual(chunk.length + 1);
        if (result.done) break;
      }
    }),
    { numRuns: RUNS },
  );
});
