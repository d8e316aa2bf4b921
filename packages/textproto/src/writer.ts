// Writer: the write half of a line protocol, after Go's net/textproto Writer.
// Lines are collected into a batch and the batch goes out in ONE sink.write on
// flush(), so a pipelined group of commands (RFC 2920) costs one syscall and,
// usually, one TCP segment.

import { Buffer } from "node:buffer";
import type { Writable } from "node:stream";
import { type BareCrMode, DotEncoder } from "./dot.js";
import { ConnectionClosedError, InvalidLineError } from "./errors.js";

const CRLF = "\r\n";
/** What a flush that did not have to wait returns: one settled promise, shared. */
const DONE: Promise<void> = Promise.resolve();

export interface DotWriter {
  /** Dot-stuffs `chunk` and writes it; resolves when the sink accepted it (backpressure). */
  write(chunk: Uint8Array | string): Promise<void>;
  /**
   * Appends the terminator (".\r\n", "\r\n.\r\n" or "\n.\r\n") to the Writer's
   * batch and flushes it, unless the DotWriter was made with `{ flush: false }`.
   */
  close(): Promise<void>;
}

export interface DotWriterOptions {
  /** Flush on close() (default true). False leaves the terminator in the batch. */
  flush?: boolean;
  /**
   * What a bare CR becomes (see DotEncoder): `"pass"` (default) passes it on;
   * `"crlf"` writes it as CRLF, as an SMTP client must (RFC 5321 §2.3.8).
   */
  bareCr?: BareCrMode;
}

export interface WriterOptions {
  /**
   * Reuse the buffers that dot-stuffed chunks are written into (default false). Safe
   * only when the sink is done with a chunk's bytes once that write's callback has run
   * (its writableLength no longer counts them): true of `net.Socket` and
   * `tls.TLSSocket` (the kernel or OpenSSL has copied them), not of every Writable (a
   * PassThrough hands the very same bytes on to its reader).
   * A long body then costs a few output buffers instead of one per chunk, which would
   * otherwise wait as garbage for the next GC (measured in tooling/bench, S3: malloc's
   * heap 7.9 MiB without it, 3.2 with it).
   */
  recycleBuffers?: boolean;
}

/** A lent buffer is at least this big, so a chunk a little longer than the last fits. */
const MIN_LENT = 4096;
/** How many returned buffers a Writer keeps for the next chunks, and up to what size. */
const SPARE_COUNT = 2;
const SPARE_MAX_BYTES = 256 * 1024;

export class Writer {
  #sink: Writable;
  /** The batch: text runs are kept as one string until bytes are mixed in. */
  #parts: (string | Uint8Array)[] = [];
  #text = "";
  /** With `recycleBuffers`, what the dot encoder's output is written into. */
  readonly #allocate: ((size: number) => Uint8Array) | undefined;
  /** Buffers lent for bytes in the current batch; they come back after its write. */
  readonly #lent: Uint8Array[] = [];
  /** Lent buffers in writes the sink had not finished when it returned. */
  readonly #written: Uint8Array[] = [];
  /** Buffers back from the sink, ready to be lent again. */
  readonly #spare: Uint8Array[] = [];

  constructor(sink: Writable, options: WriterOptions = {}) {
    this.#sink = sink;
    this.#allocate = options.recycleBuffers === true ? (size) => this.#lend(size) : undefined;
  }

  /** Appends `text` + CRLF to the batch. Text holding CR or LF is refused, and nothing is written. */
  writeLine(text: string): void {
    if (text.includes("\r") || text.includes("\n")) throw new InvalidLineError();
    this.#text += text + CRLF;
  }

  /** Appends raw bytes to the batch. */
  writeBytes(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.#text !== "") {
      this.#parts.push(this.#text);
      this.#text = "";
    }
    this.#parts.push(bytes);
  }

  /**
   * Dot-stuffs `chunk` with `encoder` (RFC 5321 §4.5.2) and appends the result to the
   * batch; returns how many bytes that appended.
   */
  writeDotted(encoder: DotEncoder, chunk: Uint8Array): number {
    const encoded = encoder.encode(chunk, this.#allocate);
    this.writeBytes(encoded);
    return encoded.length;
  }

  /**
   * Writes the whole batch with one sink.write. Resolves when the sink accepted
   * it; under backpressure, when it emitted 'drain'.
   */
  flush(): Promise<void> {
    if (this.#lent.length > 0) return this.#flushLent();
    const chunk = this.#takeBatch();
    if (chunk === null) return DONE;
    const sink = this.#sink;
    if (sink.destroyed || sink.writableEnded) {
      return Promise.reject(new ConnectionClosedError("cannot write: connection closed"));
    }
    if (sink.write(chunk)) return DONE;
    return waitForDrain(sink);
  }

  /** flush() for a batch that holds bytes of lent buffers (recycleBuffers). */
  #flushLent(): Promise<void> {
    // A batch of one byte part goes to the sink as it is, so a lent buffer in it stays
    // the sink's until written; any other batch is copied into a new buffer.
    const handedOver = this.#parts.length === 1 && this.#text === "";
    const chunk = this.#takeBatch();
    const sink = this.#sink;
    const lent = this.#lent;
    if (chunk === null || sink.destroyed || sink.writableEnded) {
      this.#giveBack(lent);
      if (chunk === null) return DONE;
      return Promise.reject(new ConnectionClosedError("cannot write: connection closed"));
    }
    const accepted = sink.write(chunk);
    // Copied into a joined batch, or taken whole by the socket (writableLength 0: nothing
    // of any write is left in the stream), the lent bytes are free now. Otherwise the
    // socket holds them until its writableLength drops to 0 (see #lend).
    if (!handedOver || sink.writableLength === 0) this.#giveBack(lent);
    else this.#holdUntilWritten(lent);
    return accepted ? DONE : waitForDrain(sink);
  }

  /** A dot-stuffing body writer (RFC 5321 §4.5.2) over this Writer. */
  dotWriter(options: DotWriterOptions = {}): DotWriter {
    const encoder = new DotEncoder(options.bareCr === undefined ? {} : { bareCr: options.bareCr });
    const flushOnClose = options.flush ?? true;
    let closed = false;
    return {
      write: (chunk) => {
        if (closed) return Promise.reject(new ConnectionClosedError("dot writer closed"));
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        this.writeDotted(encoder, bytes);
        return this.flush();
      },
      close: () => {
        if (closed) return Promise.resolve();
        closed = true;
        this.writeBytes(encoder.end());
        return flushOnClose ? this.flush() : Promise.resolve();
      },
    };
  }

  /** Writes to `sink` from now on (STARTTLS). The batch is kept. */
  rebind(sink: Writable): void {
    // The old sink's writableLength no longer tells when it is done with these.
    this.#written.length = 0;
    this.#sink = sink;
  }

  /** A buffer of at least `size` bytes for the dot encoder: a spare one, or a new one. */
  #lend(size: number): Uint8Array {
    if (this.#spare.length === 0 && this.#written.length > 0 && this.#sink.writableLength === 0) {
      this.#giveBack(this.#written);
    }
    let buffer = this.#spare.pop();
    if (buffer === undefined || buffer.length < size) {
      // Room for a chunk with a few more insertions than this one, in whole 4 KiB pages.
      buffer = Buffer.allocUnsafe(Math.max(MIN_LENT, (size + (size >>> 4) + 4095) & ~4095));
    }
    this.#lent.push(buffer);
    return buffer;
  }

  /**
   * Keeps the last few buffers the sink still holds, to take back once its writableLength
   * is 0 (every write before then done). Not a write callback: that runs in a nextTick,
   * and none runs while a body's chunks come in microtasks (measured: a 100 MiB body
   * then kept every buffer and callback alive to the end). Older ones are left to the GC.
   */
  #holdUntilWritten(lent: Uint8Array[]): void {
    const written = this.#written;
    for (const buffer of lent) written.push(buffer);
    lent.length = 0;
    if (written.length > SPARE_COUNT) written.splice(0, written.length - SPARE_COUNT);
  }

  /** Takes back buffers the sink is done with (a very big one is left to the GC); empties `buffers`. */
  #giveBack(buffers: Uint8Array[]): void {
    for (const buffer of buffers) {
      if (this.#spare.length < SPARE_COUNT && buffer.length <= SPARE_MAX_BYTES) {
        this.#spare.push(buffer);
      }
    }
    buffers.length = 0;
  }

  #takeBatch(): Uint8Array | null {
    const parts = this.#parts;
    const text = this.#text;
    this.#text = "";
    // Always bytes, never a string: the sink's write path then sees one type only, so a
    // lone command (QUIT, EHLO) after a run of messages does not throw Node's optimised
    // stream code back to the interpreter (measured: recompiling it cost per message).
    if (parts.length === 0) return text === "" ? null : Buffer.from(text, "utf8");
    if (text !== "") parts.push(text);
    this.#parts = [];
    // A string part is always followed by bytes (writeBytes pushes the text first).
    if (parts.length === 1) return parts[0] as Uint8Array;
    return joinParts(parts);
  }
}

/**
 * The batch as one Buffer, each text run encoded straight into it: no intermediate
 * Buffer per string and no array of them (this runs once per write, i.e. per message
 * when transactions are pipelined back to back). A small batch comes from Node's
 * shared pool (Buffer.allocUnsafe), so it costs no ArrayBuffer of its own.
 */
function joinParts(parts: readonly (string | Uint8Array)[]): Buffer {
  let total = 0;
  for (const part of parts) {
    total += typeof part === "string" ? Buffer.byteLength(part, "utf8") : part.length;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const part of parts) {
    if (typeof part === "string") at += out.write(part, at, "utf8");
    else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}

/** Resolves on 'drain'; rejects if the sink dies first, so a flush never hangs. */
function waitForDrain(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      sink.off("drain", onDrain);
      sink.off("close", onClose);
      sink.off("error", onError);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new ConnectionClosedError("connection closed while writing"));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ConnectionClosedError(`write failed: ${error.message}`, { cause: error }));
    };
    sink.on("drain", onDrain);
    sink.on("close", onClose);
    sink.on("error", onError);
  });
}
