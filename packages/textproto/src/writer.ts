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

export class Writer {
  #sink: Writable;
  /** The batch: text runs are kept as one string until bytes are mixed in. */
  #parts: (string | Uint8Array)[] = [];
  #text = "";

  constructor(sink: Writable) {
    this.#sink = sink;
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
   * Writes the whole batch with one sink.write. Resolves when the sink accepted
   * it; under backpressure, when it emitted 'drain'.
   */
  flush(): Promise<void> {
    const chunk = this.#takeBatch();
    if (chunk === null) return DONE;
    const sink = this.#sink;
    if (sink.destroyed || sink.writableEnded) {
      return Promise.reject(new ConnectionClosedError("cannot write: connection closed"));
    }
    if (sink.write(chunk)) return DONE;
    return waitForDrain(sink);
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
        this.writeBytes(encoder.encode(bytes));
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
    this.#sink = sink;
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
