// Properties of the dot codec, checked with fast-check against small byte-at-a-time
// reference models written straight from RFC 5321 §4.5.2 and Go's dotReader.
// `pnpm fuzz` runs them with FUZZ_RUNS=100000.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DotDecoder, DotEncoder, type DotEncoderOptions } from "./dot.js";

const numRuns = Number(process.env.FUZZ_RUNS ?? 300);

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** Bytes rich in CR, LF and dots, so line starts and their edge cases are common. */
const body = fc
  .array(fc.oneof(fc.constantFrom(CR, LF, DOT, 0x61), fc.integer({ min: 0, max: 255 })), {
    maxLength: 200,
  })
  .map((list) => Uint8Array.from(list));

/** Cut points for a byte string; duplicates give empty chunks, which must be harmless. */
const cuts = fc.array(fc.nat(), { maxLength: 12 });

function chunked(input: Uint8Array, points: number[]): Uint8Array[] {
  const at = points
    .map((p) => (input.length === 0 ? 0 : p % (input.length + 1)))
    .sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const to of at) {
    chunks.push(input.subarray(from, to));
    from = to;
  }
  chunks.push(input.subarray(from));
  return chunks;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Reference encoder: one byte at a time, the whole body at once. */
function referenceEncode(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let lineStart = true;
  let previous = -1;
  for (const byte of input) {
    if (byte === LF && previous !== CR) out.push(CR);
    if (byte === DOT && lineStart) out.push(DOT);
    out.push(byte);
    lineStart = byte === LF;
    previous = byte;
  }
  if (input.length > 0 && previous === LF) out.push(DOT, CR, LF);
  else if (previous === CR) out.push(LF, DOT, CR, LF);
  else out.push(CR, LF, DOT, CR, LF);
  return Uint8Array.from(out);
}

/** What decoding the encoding must give: line endings made CRLF, the last line ended. */
function canonical(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let previous = -1;
  for (const byte of input) {
    if (byte === LF && previous !== CR) out.push(CR);
    out.push(byte);
    previous = byte;
  }
  if (previous === CR) out.push(LF);
  else if (previous !== LF) out.push(CR, LF);
  return Uint8Array.from(out);
}

/** Every bare CR written as CRLF (what `bareCr: "crlf"` does before dot-stuffing). */
function bareCrToCrlf(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    out.push(input[i]!);
    if (input[i] === CR && input[i + 1] !== LF) out.push(LF);
  }
  return Uint8Array.from(out);
}

/**
 * What decoding a `bareCr: "crlf"` encoding must give: every bare CR and every bare LF
 * made CRLF, and the last line ended (an empty body is one empty line).
 */
function normalise(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte === CR) out.push(CR, LF);
    else if (byte === LF && input[i - 1] !== CR) out.push(CR, LF);
    else if (byte !== LF) out.push(byte);
  }
  if (out.length === 0 || out[out.length - 1] !== LF) out.push(CR, LF);
  return Uint8Array.from(out);
}

/** Reference decoder: Go's dotReader, one byte at a time, keeping CRLF. */
function referenceDecode(input: Uint8Array): { data: Uint8Array; consumed: number; done: boolean } {
  const out: number[] = [];
  let state: "beginLine" | "data" | "dot" | "dotCR" = "beginLine";
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (state === "dot") {
      if (byte === LF) return { data: Uint8Array.from(out), consumed: i + 1, done: true };
      if (byte === CR) {
        state = "dotCR";
        continue;
      }
      state = "data"; // the dot was stuffing
    } else if (state === "dotCR") {
      if (byte === LF) return { data: Uint8Array.from(out), consumed: i + 1, done: true };
      out.push(CR); // the dot was stuffing, the CR is data
      state = "data";
    } else if (state === "beginLine" && byte === DOT) {
      state = "dot";
      continue;
    }
    out.push(byte);
    state = byte === LF ? "beginLine" : "data";
  }
  return { data: Uint8Array.from(out), consumed: input.length, done: false };
}

function encodeChunks(chunks: Uint8Array[], options?: DotEncoderOptions): Uint8Array {
  const encoder = new DotEncoder(options);
  const parts = chunks.map((chunk) => encoder.encode(chunk));
  parts.push(encoder.end());
  return concat(parts);
}

/**
 * As encodeChunks, but every changed chunk goes into one dirty buffer lent again and
 * again (what Writer's recycleBuffers does), each output copied out before the next.
 */
function encodeChunksLent(chunks: Uint8Array[], options?: DotEncoderOptions): Uint8Array {
  const encoder = new DotEncoder(options);
  const lent = new Uint8Array(1024).fill(0x21);
  const parts: Uint8Array[] = chunks.map((chunk) =>
    Uint8Array.from(encoder.encode(chunk, () => lent)),
  );
  parts.push(encoder.end());
  return concat(parts);
}

function decodeChunks(chunks: Uint8Array[]): { data: Uint8Array; consumed: number; done: boolean } {
  const decoder = new DotDecoder();
  const parts: Uint8Array[] = [];
  let consumed = 0;
  let done = false;
  for (const chunk of chunks) {
    const step = decoder.decode(chunk);
    parts.push(step.data);
    consumed += step.consumed;
    done = step.done;
  }
  return { data: concat(parts), consumed, done };
}

const CRLF_DOT_CRLF = Buffer.from("\r\n.\r\n");

describe("DotEncoder properties", () => {
  it("matches the byte-at-a-time reference, whatever the chunking", () => {
    fc.assert(
      fc.property(body, cuts, (input, points) => {
        expect(encodeChunks(chunked(input, points))).toEqual(referenceEncode(input));
        expect(encodeChunksLent(chunked(input, points))).toEqual(referenceEncode(input));
      }),
      { numRuns },
    );
  });

  it("puts CRLF.CRLF nowhere but at the very end", () => {
    fc.assert(
      fc.property(body, cuts, (input, points) => {
        const wire = Buffer.from(encodeChunks(chunked(input, points)));
        expect(wire.indexOf(CRLF_DOT_CRLF)).toBe(wire.length - CRLF_DOT_CRLF.length);
      }),
      { numRuns },
    );
  });

  it("never sends a bare LF, and a line never starts with a single dot", () => {
    fc.assert(
      fc.property(body, (input) => {
        const wire = encodeChunks([input]);
        const lineStarts = [0];
        for (let i = 0; i < wire.length; i++) {
          if (wire[i] === LF) {
            expect(wire[i - 1]).toBe(CR);
            lineStarts.push(i + 1);
          }
        }
        // Every line starting with a dot is either stuffed ("..") or the terminator.
        for (const start of lineStarts.slice(0, -2)) {
          if (wire[start] === DOT) expect(wire[start + 1]).toBe(DOT);
        }
      }),
      { numRuns },
    );
  });
});

describe('DotEncoder { bareCr: "crlf" } properties', () => {
  const crlf: DotEncoderOptions = { bareCr: "crlf" };

  it("gives the same bytes for every chunking: the reference encoding of the body with bare CRs made CRLF", () => {
    fc.assert(
      fc.property(body, cuts, (input, points) => {
        const whole = encodeChunks([input], crlf);
        expect(encodeChunks(chunked(input, points), crlf)).toEqual(whole);
        expect(encodeChunksLent(chunked(input, points), crlf)).toEqual(whole);
        expect(whole).toEqual(referenceEncode(bareCrToCrlf(input)));
      }),
      { numRuns },
    );
  });

  it("sends neither a bare CR nor a bare LF, and CRLF.CRLF only at the very end", () => {
    fc.assert(
      fc.property(body, cuts, (input, points) => {
        const wire = Buffer.from(encodeChunks(chunked(input, points), crlf));
        for (let i = 0; i < wire.length; i++) {
          if (wire[i] === CR) expect(wire[i + 1]).toBe(LF);
          if (wire[i] === LF) expect(wire[i - 1]).toBe(CR);
        }
        expect(wire.indexOf(CRLF_DOT_CRLF)).toBe(wire.length - CRLF_DOT_CRLF.length);
      }),
      { numRuns },
    );
  });

  it("decodes to the body with every bare CR and bare LF made CRLF, ending at the terminator", () => {
    fc.assert(
      fc.property(body, cuts, cuts, (input, encodeCuts, decodeCuts) => {
        const wire = encodeChunks(chunked(input, encodeCuts), crlf);
        const decoded = decodeChunks(chunked(wire, decodeCuts));
        expect(decoded.data).toEqual(normalise(input));
        expect(decoded.done).toBe(true);
        expect(decoded.consumed).toBe(wire.length);
      }),
      { numRuns },
    );
  });
});

describe("DotDecoder properties", () => {
  it("inverts the encoder: the body comes back with CRLF line endings", () => {
    fc.assert(
      fc.property(body, cuts, cuts, (input, encodeCuts, decodeCuts) => {
        const wire = encodeChunks(chunked(input, encodeCuts));
        const decoded = decodeChunks(chunked(wire, decodeCuts));
        expect(decoded.data).toEqual(canonical(input));
        expect(decoded.done).toBe(true);
      }),
      { numRuns },
    );
  });

  it("stops exactly at the terminator, leaving what follows", () => {
    fc.assert(
      fc.property(body, body, cuts, (input, following, points) => {
        const wire = encodeChunks([input]);
        const decoded = decodeChunks(chunked(concat([wire, following]), points));
        expect(decoded.done).toBe(true);
        expect(decoded.consumed).toBe(wire.length);
      }),
      { numRuns },
    );
  });

  it("matches the byte-at-a-time reference on any input, whatever the chunking", () => {
    fc.assert(
      fc.property(body, cuts, (input, points) => {
        expect(decodeChunks(chunked(input, points))).toEqual(referenceDecode(input));
      }),
      { numRuns },
    );
  });
});
