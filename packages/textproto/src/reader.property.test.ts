// Property tests for the reply parser. Modest run counts by default; `pnpm fuzz`
// sets FUZZ_RUNS for the big run.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConnectionClosedError, TextprotoError } from "./errors.js";
import { Reader } from "./reader.js";

const runs = Number(process.env.FUZZ_RUNS ?? 200);

/** Splits `bytes` at the given cut points (any order, any duplicates). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function source(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    yield* chunks;
  })();
}

// Bytes biased towards what replies are made of, so the parser's branches are hit.
const replyishByte = fc.oneof(
  fc.constantFrom(...Buffer.from("0123456789 -\r\n\r\n.")),
  fc.integer({ min: 0, max: 255 }),
);

describe("readResponse on random bytes", () => {
  it("never throws anything but our own error classes, and always ends", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .uint8Array({ maxLength: 300 })
          .chain((random) =>
            fc.tuple(
              fc.constant(random),
              fc.array(replyishByte, { maxLength: 300 }),
              fc.array(fc.nat(), { maxLength: 5 }),
              fc.integer({ min: 0, max: 999 }),
            ),
          ),
        async ([random, replyish, cuts, expectCode]) => {
          const wire = Buffer.concat([Buffer.from(replyish), random]);
          const reader = new Reader(source(chunked(wire, cuts)), { maxLineLength: 64 });
          // Each read consumes input or ends the stream, so this terminates.
          for (let i = 0; i <= wire.length + 1; i++) {
            try {
              const reply = await reader.readResponse(expectCode);
              expect(reply.code).toBeGreaterThanOrEqual(100);
              expect(reply.code).toBeLessThanOrEqual(999);
            } catch (error) {
              expect(error).toBeInstanceOf(TextprotoError);
              if (error instanceof ConnectionClosedError) return;
            }
          }
          throw new Error("the reader never reached the end of its input");
        },
      ),
      { numRuns: runs },
    );
  });
});

describe("random valid replies", () => {
  const text = fc.string({ unit: "grapheme", maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, " "));
  const reply = fc.record({
    code: fc.integer({ min: 100, max: 999 }),
    lines: fc.array(text, { minLength: 1, maxLength: 6 }),
  });

  it("round-trip through readResponse whatever the chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(reply, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (replies, cuts, bareLf) => {
          const eol = bareLf ? "\n" : "\r\n";
          const wire = replies
            .map(({ code, lines }) =>
              lines
                .map((line, i) => `${code}${i === lines.length - 1 ? " " : "-"}${line}${eol}`)
                .join(""),
            )
            .join("");
          const reader = new Reader(source(chunked(Buffer.from(wire, "utf8"), cuts)));
          for (const { code, lines } of replies) {
            expect(await reader.readResponse(code)).toEqual({ code, message: lines.join("\n") });
          }
          expect(reader.buffered).toBe(0);
        },
      ),
      { numRuns: runs },
    );
  });
});
