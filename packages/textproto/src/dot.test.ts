import { describe, expect, it } from "vitest";
import { DotDecoder, DotEncoder, type DotEncoderOptions } from "./dot.js";

const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1");
const text = (data: Uint8Array): string => Buffer.from(data).toString("latin1");

/** Encodes `chunks` one after the other and appends the terminator. */
function encodeChunks(chunks: Uint8Array[], options?: DotEncoderOptions): string {
  const encoder = new DotEncoder(options);
  let wire = "";
  for (const chunk of chunks) wire += text(encoder.encode(chunk));
  return wire + text(encoder.end());
}

interface Decoded {
  data: string;
  consumed: number;
  done: boolean;
}

/** Decodes `chunks` one after the other, as a reader would, adding up what was consumed. */
function decodeChunks(chunks: Uint8Array[]): Decoded {
  const decoder = new DotDecoder();
  const result: Decoded = { data: "", consumed: 0, done: false };
  for (const chunk of chunks) {
    const step = decoder.decode(chunk);
    expect(step.consumed).toBeLessThanOrEqual(chunk.length);
    // Until the end, every byte is used; after it, none.
    if (result.done) expect(step.consumed).toBe(0);
    else if (!step.done) expect(step.consumed).toBe(chunk.length);
    result.data += text(step.data);
    result.consumed += step.consumed;
    result.done = step.done;
  }
  return result;
}

/** Every way to cut `input` in two, plus one-byte chunks. */
function splits(input: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [];
  for (let at = 0; at <= input.length; at++) {
    ways.push([input.subarray(0, at), input.subarray(at)]);
  }
  ways.push(Array.from(input, (byte) => Uint8Array.of(byte)));
  return ways;
}

// RFC 5321 §4.5.2, with Go's dotWriter terminators (Close).
const encoderTable: [name: string, body: string, wire: string][] = [
  ["empty body", "", "\r\n.\r\n"],
  ["lone dot", ".", "..\r\n.\r\n"],
  ["two dots", "..", "...\r\n.\r\n"],
  ["dot line", ".\r\n", "..\r\n.\r\n"],
  ["dot after bare LF", "a\n.b", "a\r\n..b\r\n.\r\n"],
  ["bare CR", "a\rb", "a\rb\r\n.\r\n"],
  ["bare CR does not start a line", "a\r.b", "a\r.b\r\n.\r\n"],
  ["bare LF", "a\nb", "a\r\nb\r\n.\r\n"],
  ["trailing CR", "a\r", "a\r\n.\r\n"],
  ["trailing LF", "a\n", "a\r\n.\r\n"],
  ["trailing CRLF", "a\r\n", "a\r\n.\r\n"],
  ["CRLF.CRLF inside", "a\r\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n"],
  ["only LF", "\n", "\r\n.\r\n"],
  ["only CR", "\r", "\r\n.\r\n"],
  ["CR then CRLF", "\r\r\n", "\r\r\n.\r\n"],
  ["two bare LFs", "\n\n", "\r\n\r\n.\r\n"],
  ["dot after empty line", "\n.", "\r\n..\r\n.\r\n"],
  ["dot in the middle", "a.b\r\n", "a.b\r\n.\r\n"],
  ["mixed", ".\n.\r\n..\r.x\nend", "..\r\n..\r\n...\r.x\r\nend\r\n.\r\n"],
];

describe("DotEncoder", () => {
  it.each(encoderTable)("%s", (_name, body, wire) => {
    expect(encodeChunks([bytes(body)])).toBe(wire);
  });

  it.each(encoderTable)("%s, split at every offset and into single bytes", (_name, body, wire) => {
    for (const chunks of splits(bytes(body))) expect(encodeChunks(chunks)).toBe(wire);
  });

  it("keeps a CRLF whole when the CR ends one chunk and the LF starts the next", () => {
    const encoder = new DotEncoder();
    expect(text(encoder.encode(bytes("a\r")))).toBe("a\r");
    expect(encoder.state).toBe("cr");
    expect(text(encoder.encode(bytes("\n.b")))).toBe("\n..b");
    expect(text(encoder.end())).toBe("\r\n.\r\n");
  });

  it("returns an unchanged chunk as it is, without copying", () => {
    const encoder = new DotEncoder();
    const chunk = bytes("a\r\nb.c\r\n");
    expect(encoder.encode(chunk)).toBe(chunk);
  });

  it("accepts a plain Uint8Array view into a larger buffer", () => {
    const backing = bytes("xx.a\nb\rc");
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, backing.length - 2);
    expect(encodeChunks([view])).toBe("..a\r\nb\rc\r\n.\r\n");
  });

  it("starts over after end()", () => {
    const encoder = new DotEncoder();
    encoder.encode(bytes("a"));
    expect(text(encoder.end())).toBe("\r\n.\r\n");
    expect(text(encoder.encode(bytes(".x\n")))).toBe("..x\r\n");
    expect(text(encoder.end())).toBe(".\r\n");
  });
});

// bareCr: "crlf": every bare CR is written as CRLF and starts a line (RFC 5321 §2.3.8;
// SMTP smuggling, see dot.ts). Bare LFs, CRLF and dots as in the table above.
const crlfTable: [name: string, body: string, wire: string][] = [
  ["empty body", "", "\r\n.\r\n"],
  ["bare CR mid-line", "a\rb", "a\r\nb\r\n.\r\n"],
  ["smuggled end of data", "\r.\r\n", "\r\n..\r\n.\r\n"],
  ["smuggled end of data and a command", "\r.\r\nRSET\r\n", "\r\n..\r\nRSET\r\n.\r\n"],
  ["bare CR then dot at the end", "\r.", "\r\n..\r\n.\r\n"],
  ["bare CR before CRLF", "x\r\r\n", "x\r\n\r\n.\r\n"],
  ["trailing CR", "a\r", "a\r\n.\r\n"],
  ["only CR", "\r", "\r\n.\r\n"],
  ["two bare CRs", "\r\r", "\r\n\r\n.\r\n"],
  ["only CRLF", "\r\n", "\r\n.\r\n"],
  ["dot, bare CR, dot", ".\r.", "..\r\n..\r\n.\r\n"],
  ["bare LF then bare CR", "a\n\r.b", "a\r\n\r\n..b\r\n.\r\n"],
  ["bare CR then bare LF", "a\r.\n", "a\r\n..\r\n.\r\n"],
  ["dot after bare LF", "a\n.b", "a\r\n..b\r\n.\r\n"],
  ["CRLF.CRLF inside", "a\r\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n"],
  ["mixed", ".\n.\r\n..\r.x\nend", "..\r\n..\r\n...\r\n..x\r\nend\r\n.\r\n"],
];

describe('DotEncoder { bareCr: "crlf" }', () => {
  const crlf: DotEncoderOptions = { bareCr: "crlf" };

  it.each(crlfTable)("%s", (_name, body, wire) => {
    expect(encodeChunks([bytes(body)], crlf)).toBe(wire);
  });

  it.each(crlfTable)("%s, split at every offset and into single bytes", (_name, body, wire) => {
    for (const chunks of splits(bytes(body))) expect(encodeChunks(chunks, crlf)).toBe(wire);
  });

  it("a CR that ends a chunk, then a dot: the LF and the doubled dot open the next chunk", () => {
    const encoder = new DotEncoder(crlf);
    expect(text(encoder.encode(bytes("a\r")))).toBe("a\r");
    expect(encoder.state).toBe("cr");
    expect(text(encoder.encode(bytes(".b")))).toBe("\n..b");
    expect(text(encoder.end())).toBe("\r\n.\r\n");
  });

  it("a CR that ends a chunk, then an LF: one CRLF, the next chunk passed as it is", () => {
    const encoder = new DotEncoder(crlf);
    expect(text(encoder.encode(bytes("a\r")))).toBe("a\r");
    const next = bytes("\nb");
    expect(encoder.encode(next)).toBe(next);
    expect(text(encoder.end())).toBe("\r\n.\r\n");
  });

  it("a CRLF split across chunks stays CRLF (not CRLFLF)", () => {
    const encoder = new DotEncoder(crlf);
    const wire = [bytes("a\r"), bytes("\n"), bytes(".\r"), bytes("\n")].map((c) =>
      text(encoder.encode(c)),
    );
    expect(wire).toEqual(["a\r", "\n", "..\r", "\n"]);
    expect(text(encoder.end())).toBe(".\r\n");
  });

  it("a CR that ends a chunk, then a CR: both become CRLF", () => {
    const encoder = new DotEncoder(crlf);
    expect(text(encoder.encode(bytes("a\r")))).toBe("a\r");
    expect(text(encoder.encode(bytes("\rb")))).toBe("\n\r\nb");
    expect(text(encoder.encode(bytes("\r")))).toBe("\r");
    expect(text(encoder.encode(bytes("\r")))).toBe("\n\r");
    expect(text(encoder.end())).toBe("\n.\r\n");
  });

  it("returns an unchanged chunk as it is, without copying", () => {
    const encoder = new DotEncoder(crlf);
    const chunk = bytes("a\r\nb.c\r\n");
    expect(encoder.encode(chunk)).toBe(chunk);
  });

  it("accepts a plain Uint8Array view into a larger buffer", () => {
    const backing = bytes("xx.a\nb\rc");
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, backing.length - 2);
    expect(encodeChunks([view], crlf)).toBe("..a\r\nb\r\nc\r\n.\r\n");
  });

  it("handles more insertions in one chunk than its first list holds", () => {
    expect(encodeChunks([bytes("\r.".repeat(300))], crlf)).toBe(`${"\r\n..".repeat(300)}\r\n.\r\n`);
  });

  it('says which mode it is in; "pass" is the default', () => {
    expect(new DotEncoder().bareCr).toBe("pass");
    expect(new DotEncoder({ bareCr: "pass" }).bareCr).toBe("pass");
    expect(new DotEncoder(crlf).bareCr).toBe("crlf");
  });

  it("refuses an unknown mode", () => {
    expect(() => new DotEncoder({ bareCr: "lf" as "crlf" })).toThrow(TypeError);
  });
});

// encode(chunk, allocate): the output goes into a lent buffer (Writer, recycleBuffers).
describe("DotEncoder encode() with allocate", () => {
  it("writes a changed chunk into the lent buffer and returns a view of its first bytes", () => {
    const lent = new Uint8Array(64).fill(0x7e);
    const sizes: number[] = [];
    const allocate = (size: number) => {
      sizes.push(size);
      return lent;
    };
    const out = new DotEncoder().encode(bytes(".a\nb"), allocate);
    expect(text(out)).toBe("..a\r\nb");
    expect(sizes).toEqual([6]);
    expect(out.buffer).toBe(lent.buffer);
    expect(out.byteOffset).toBe(0);
    expect(out.length).toBe(6);
    expect(lent[6]).toBe(0x7e); // nothing written past the encoded bytes
  });

  it("gives the same bytes as without allocate, for every table case and both modes", () => {
    const modes: DotEncoderOptions[] = [{}, { bareCr: "crlf" }];
    for (const options of modes) {
      for (const [, body] of [...encoderTable, ...crlfTable]) {
        for (const chunks of splits(bytes(body))) {
          const plain = new DotEncoder(options);
          const lending = new DotEncoder(options);
          // One dirty buffer lent again and again: stale bytes must never leak through.
          const lent = new Uint8Array(256).fill(0x21);
          for (const chunk of chunks) {
            const expected = text(plain.encode(chunk));
            expect(text(lending.encode(chunk, () => lent))).toBe(expected);
          }
        }
      }
    }
  });

  it("does not call allocate when the chunk needs no change", () => {
    const chunk = bytes("a\r\nb.c\r\n");
    const out = new DotEncoder().encode(chunk, () => {
      throw new Error("allocate called");
    });
    expect(out).toBe(chunk);
  });

  it("refuses a lent buffer shorter than asked, with a RangeError", () => {
    expect(() => new DotEncoder().encode(bytes(".a"), (size) => new Uint8Array(size - 1))).toThrow(
      RangeError,
    );
  });
});

// Go's dotReader, except that CRLF is kept (see dot.ts).
const decoderTable: [name: string, wire: string, expected: Decoded][] = [
  ["terminator only", ".\r\n", { data: "", consumed: 3, done: true }],
  ["terminator, then the next reply", ".\r\n250 OK\r\n", { data: "", consumed: 3, done: true }],
  ["one line", "a\r\n.\r\n", { data: "a\r\n", consumed: 6, done: true }],
  ["empty line", "\r\n.\r\n", { data: "\r\n", consumed: 5, done: true }],
  ["stuffed dot line", "..\r\n.\r\n", { data: ".\r\n", consumed: 7, done: true }],
  [
    "stuffed dot, then the next reply",
    "a\r\n..b\r\n.\r\nMAIL",
    { data: "a\r\n.b\r\n", consumed: 11, done: true },
  ],
  ["terminator ended by bare LF", "a\n.\n", { data: "a\n", consumed: 4, done: true }],
  ["dot then bare CR", ".\rx\r\n.\r\n", { data: "\rx\r\n", consumed: 8, done: true }],
  ["dot after bare CR is data", "a\r.\r\n", { data: "a\r.\r\n", consumed: 5, done: false }],
  ["dot in the middle", "a.b\r\n.\r\n", { data: "a.b\r\n", consumed: 8, done: true }],
  ["no terminator", "abc", { data: "abc", consumed: 3, done: false }],
  ["nothing", "", { data: "", consumed: 0, done: false }],
  ["three dots", "...", { data: "..", consumed: 3, done: false }],
  ["lone dot, no line end yet", ".", { data: "", consumed: 1, done: false }],
  ["dot CR, no LF yet", ".\r", { data: "", consumed: 2, done: false }],
  [
    "CRLF.CRLF inside text",
    "x\r\n..\r\ny\r\n.\r\n",
    { data: "x\r\n.\r\ny\r\n", consumed: 13, done: true },
  ],
  [
    "mixed",
    "..\r\n..\r\n...\r.x\r\nend\r\n.\r\n221 Bye\r\n",
    { data: ".\r\n.\r\n..\r.x\r\nend\r\n", consumed: 24, done: true },
  ],
];

describe("DotDecoder", () => {
  it.each(decoderTable)("%s", (_name, wire, expected) => {
    expect(decodeChunks([bytes(wire)])).toEqual(expected);
  });

  it.each(decoderTable)(
    "%s, split at every offset and into single bytes",
    (_name, wire, expected) => {
      for (const chunks of splits(bytes(wire))) expect(decodeChunks(chunks)).toEqual(expected);
    },
  );

  it("stops at the terminator and consumes nothing afterwards", () => {
    const decoder = new DotDecoder();
    const step = decoder.decode(bytes("a\r\n.\r\nQUIT\r\n"));
    expect(step.done).toBe(true);
    expect(step.consumed).toBe(6);
    expect(decoder.done).toBe(true);
    expect(decoder.decode(bytes("QUIT\r\n"))).toEqual({
      data: new Uint8Array(0),
      consumed: 0,
      done: true,
    });
  });

  it("holds back a leading dot until it knows what it is", () => {
    const decoder = new DotDecoder();
    expect(text(decoder.decode(bytes("a\r\n.")).data)).toBe("a\r\n");
    expect(decoder.state).toBe("dot");
    expect(text(decoder.decode(bytes("\r")).data)).toBe("");
    expect(decoder.state).toBe("dotCR");
    const step = decoder.decode(bytes("x\r\n"));
    expect(text(step.data)).toBe("\rx\r\n");
    expect(decoder.state).toBe("beginLine");
  });

  it("never reports done for a body cut short (the reader handles EOF)", () => {
    const decoder = new DotDecoder();
    expect(decoder.decode(bytes("a\r\n..\r\n")).done).toBe(false);
    expect(decoder.done).toBe(false);
  });
});
