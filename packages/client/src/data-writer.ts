// The message body: what data() hands back (Go's dataCloser), and the normalisation of
// every body form send() accepts into one async iterable of bytes.
//
// A body is streamed, never gathered: each chunk goes through the textproto dot writer
// (RFC 5321 §4.5.2) as it arrives, and the next is pulled only once the socket has taken
// the last one, so memory is bounded by a chunk, not by the message.
import type { Readable } from "node:stream";
import type { Client, Reply } from "./client.js";
import { toReply } from "./client.js";
import { SmtpError, SmtpReplyError } from "./errors.js";

export type MessageBody =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>;

export interface DataWriter {
  /** Encodes and writes a chunk of the message; resolves when the socket took it. */
  write(chunk: Uint8Array | string): Promise<void>;
  /** Sends the final dot and resolves with the final reply (250). */
  close(): Promise<Reply>;
}

/** Slices in-memory bodies so no single write is larger than this. */
export const CHUNK_SIZE = 64 * 1024;

const encoder = new TextEncoder();

function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

function isWebStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream | null)?.getReader === "function";
}

/** Every body form as an async iterable of non-empty byte chunks. */
export async function* bodyChunks(body: MessageBody): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof body === "string" || body instanceof Uint8Array) {
    const bytes = toBytes(body);
    for (let at = 0; at < bytes.length; at += CHUNK_SIZE) {
      yield bytes.subarray(at, at + CHUNK_SIZE);
    }
    return;
  }
  if (isWebStream(body)) {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const bytes = toBytes(value as Uint8Array | string);
        if (bytes.length > 0) yield bytes;
      }
    } finally {
      // Stops the producer when we give up early (error, abort).
      await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  if (
    body !== null &&
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  ) {
    // A Node Readable is an async iterable; leaving the loop early destroys it.
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
        throw new TypeError("a message body stream must yield strings or Uint8Arrays");
      }
      const bytes = toBytes(chunk);
      if (bytes.length > 0) yield bytes;
    }
    return;
  }
  throw new TypeError(
    "a message body must be a string, a Uint8Array, a Readable, a ReadableStream or an async iterable",
  );
}

/**
 * The message size RFC 1870 §3 asks for, when it is known without reading a stream:
 * "the number of octets, including CR-LF pairs, but not the SMTP DATA command's
 * terminating dot or doubled quoting dots, to be transmitted". Through DATA a bare LF
 * becomes CRLF, with `bareCr` "crlf" so does a bare CR, and an unterminated last line
 * gets its CRLF (RFC 5321 §4.5.2, the dot encoder); through BDAT (`raw`) the bytes go
 * as they are.
 */
export function knownSize(
  body: MessageBody,
  raw: boolean,
  bareCr: "crlf" | "pass",
): number | undefined {
  let bytes: Uint8Array;
  if (typeof body === "string") bytes = encoder.encode(body);
  else if (body instanceof Uint8Array) bytes = body;
  else return undefined;
  if (raw) return bytes.length;
  let size = bytes.length;
  // Buffer#indexOf finds each LF natively; a byte loop in JS costs more per message.
  const view = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let lf = view.indexOf(0x0a); lf !== -1; lf = view.indexOf(0x0a, lf + 1)) {
    if (lf === 0 || view[lf - 1] !== 0x0d) size++;
  }
  if (bareCr === "crlf") {
    // Each bare CR gets its LF; a CR at the very end is counted below (the terminator
    // completes it either way).
    const last = view.length - 1;
    for (let cr = view.indexOf(0x0d); cr !== -1 && cr < last; cr = view.indexOf(0x0d, cr + 1)) {
      if (view[cr + 1] !== 0x0a) size++;
    }
  }
  const last = bytes[bytes.length - 1];
  if (last === 0x0d)
    size += 1; // "\n.\r\n" completes the line
  else if (last !== 0x0a) size += 2; // "\r\n.\r\n" (also for an empty body)
  return size;
}

/** The writer data() returns; it holds the session until close() settles. */
export class DataWriterImpl implements DataWriter {
  private readonly client: Client;
  private readonly release: () => void;
  private readonly dot;
  private finished = false;
  /** LMTP: one final reply per accepted recipient (RFC 2033 §4.2). */
  private readonly finalReplies: number;

  constructor(client: Client, release: () => void, finalReplies = 1) {
    this.client = client;
    this.release = release;
    this.finalReplies = finalReplies;
    // A bare CR as the session says (default CRLF: RFC 5321 §2.3.8, no SMTP smuggling).
    this.dot = client.text.writer.dotWriter({ bareCr: client.bareCr });
  }

  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.finished) throw new SmtpError("the data writer is closed", { phase: "data" });
    try {
      await this.client.guard("data", this.client.timeouts.command, () => this.dot.write(chunk));
    } catch (err) {
      this.finish();
      throw err;
    }
  }

  async close(): Promise<Reply> {
    if (this.finished) throw new SmtpError("the data writer is closed", { phase: "data" });
    try {
      // Everything from the final dot on is "final-reply": the server may have the
      // message even if we never see its answer.
      const replies = await this.client.guard(
        "final-reply",
        this.client.timeouts.finalReply,
        async () => {
          await this.dot.close();
          const reads: Promise<Reply>[] = [];
          for (let i = 0; i < this.finalReplies; i++)
            reads.push(this.client.text.expect(0).then(toReply));
          return Promise.all(reads);
        },
      );
      const failed = replies.find((r) => r.code !== 250);
      if (failed !== undefined) {
        throw new SmtpReplyError(failed, { phase: "final-reply", command: "." });
      }
      return replies[replies.length - 1]!;
    } finally {
      this.finish();
    }
  }

  private finish(): void {
    this.finished = true;
    this.release();
  }
}
