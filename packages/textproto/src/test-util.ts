// Helpers shared by the tests of this package (not exported from index.ts).

import { PassThrough } from "node:stream";
import { Reader, type ReaderOptions } from "./reader.js";

/** Bytes of a latin1/ASCII test string. */
export function bytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

/** A Reader over an async iterable that yields `chunks` and then ends. */
export function readerOf(chunks: string | string[], options?: ReaderOptions): Reader {
  const list = typeof chunks === "string" ? [chunks] : chunks;
  async function* source() {
    for (const chunk of list) yield bytes(chunk);
  }
  return new Reader(source(), options);
}

/** A Reader over a PassThrough the test writes into by hand. */
export function streamReader(options?: ReaderOptions): { reader: Reader; input: PassThrough } {
  const input = new PassThrough();
  return { reader: new Reader(input, options), input };
}

/** The error a promise rejects with (fails the test if it fulfils). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
