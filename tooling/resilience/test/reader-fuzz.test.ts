// Random reply streams into @smtp/textproto's Reader.readResponse (issue 7, fuzzing):
// well-formed replies, multi-line replies, truncated ones, junk lines and random bytes,
// cut into random chunks, then EOF. Every read settles (no hang), a success is a code in
// 100..999, and every failure is one of our typed errors, ending with
// ConnectionClosedError at EOF.

import { ConnectionClosedError, Reader, TextprotoError } from "@smtp/textproto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { RUNS, settleWithin } from "./support/fuzz.js";

const code = fc.integer({ min: 0, max: 1099 }).map((n) => String(n).padStart(3, "0"));
const text = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, " "));
const line = fc.oneof(
  fc.tuple(code, fc.constantFrom(" ", "-"), text).map(([c, sep, t]) => `${c}${sep}${t}\r\n`),
  fc
    .tuple(code, fc.array(text, { maxLength: 4 }), text)
    .map(([c, more, last]) => `${more.map((t) => `${c}-${t}\r\n`).join("")}${c} ${last}\r\n`),
  text.map((t) => `${t}\r\n`),
  text.map((t) => `${t}\n`),
  fc.constantFrom("\r\n", "\n", "250", "250-", "2", "-250 x\r\n", "250\r\n", "250 \r\n"),
);
const stream = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: line.map((l) => Buffer.from(l, "utf8")) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  ),
  { maxLength: 12 },
);
const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });
const expects = fc.array(fc.constantFrom(0, 2, 25, 250, 5), { minLength: 1, maxLength: 4 });

async function* chunked(bytes: Buffer, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

// Two runs: lines within the default limit (the parser), and a tiny limit, so over-long
// lines (LineTooLongError, then the rest of the line discarded as it arrives) are common.
for (const [name, maxLine] of [
  ["lines within the limit", fc.constant(8192)],
  ["a tiny line limit", fc.integer({ min: 4, max: 80 })],
] as const) {
  it(`readResponse on ${RUNS} random reply streams, ${name}: typed errors only, never a hang`, async () => {
    await fc.assert(
      fc.asyncProperty(stream, cuts, expects, maxLine, async (parts, sizes, wanted, limit) => {
        const input = Buffer.concat(parts);
        const reader = new Reader(chunked(input, sizes), {
          maxLineLength: limit,
          maxReplyLines: 6,
        });
        // Each read consumes at least one byte or fails at EOF: this many reads must end it.
        for (let i = 0; i <= input.length + 2; i++) {
          const outcome = await settleWithin(reader.readResponse(wanted[i % wanted.length]!));
          expect(outcome).not.toBe("hang");
          if (outcome === "hang") return;
          if ("value" in outcome) {
            expect(outcome.value.code).toBeGreaterThanOrEqual(100);
            expect(outcome.value.code).toBeLessThanOrEqual(999);
            continue;
          }
          expect(outcome.error).toBeInstanceOf(TextprotoError);
          expect(typeof (outcome.error as TextprotoError).code).toBe("string");
          if (outcome.error instanceof ConnectionClosedError) return;
        }
        throw new Error("the reader did not reach EOF");
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
}
