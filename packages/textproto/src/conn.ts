// Conn bundles a Reader, a Writer and a Pipeline over one transport (Go's
// textproto.Conn). Every cmd() issued in the same tick shares ONE write: the
// flush is scheduled as a microtask, so a pipelined group of commands
// (RFC 2920) leaves in one sink.write, and the replies are read in order.

import type { Duplex } from "node:stream";
import { ConnectionClosedError } from "./errors.js";
import { Pipeline } from "./pipeline.js";
import { Reader, type ReaderOptions, type Response } from "./reader.js";
import { Writer, type WriterOptions } from "./writer.js";

const RESOLVED = Promise.resolve();

export interface ConnOptions extends Omit<ReaderOptions, "trace">, WriterOptions {
  /** Sees every command line written and every reply line read (not body bytes). */
  onLine?: (direction: "client" | "server", line: string) => void;
}

export class Conn {
  readonly reader: Reader;
  readonly writer: Writer;
  readonly pipeline = new Pipeline();
  #transport: Duplex;
  readonly #onLine: ((direction: "client" | "server", line: string) => void) | undefined;
  #flushScheduled = false;
  #closing: Promise<void> | null = null;

  constructor(transport: Duplex, options: ConnOptions = {}) {
    this.#transport = transport;
    const onLine = options.onLine;
    this.#onLine = onLine;
    const readerOptions: ReaderOptions = {};
    if (options.maxLineLength !== undefined) readerOptions.maxLineLength = options.maxLineLength;
    if (onLine !== undefined) readerOptions.trace = (line) => onLine("server", line);
    this.reader = new Reader(transport, readerOptions);
    this.writer = new Writer(
      transport,
      options.recycleBuffers === undefined ? {} : { recycleBuffers: options.recycleBuffers },
    );
  }

  get transport(): Duplex {
    return this.#transport;
  }

  /**
   * Writes `line` into the current batch, schedules one flush for the batch and
   * reads its reply in pipeline order. `expect` as Reader.readResponse.
   */
  cmd(line: string, expect: number): Promise<Response> {
    try {
      this.writer.writeLine(line);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#onLine?.("client", line);
    this.#scheduleFlush();
    return this.expect(expect);
  }

  /** Reads one more reply in pipeline order, writing nothing (e.g. after DATA's final dot). */
  expect(expect: number): Promise<Response> {
    // The Reader runs its reads first in, first out, so a reply read queued on it now is
    // read after every earlier one: that is pipeline order already. Going through
    // `pipeline` (three promises and a microtask per reply, four replies per pipelined
    // message) is only needed behind reads someone queued there themselves.
    if (this.pipeline.idle) return this.reader.readResponse(expect);
    return this.pipeline.next(() => this.reader.readResponse(expect));
  }

  /** Writes the current batch now. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /**
   * STARTTLS (RFC 3207): stops reading the current transport (its 'data'
   * listener is removed, so node:tls can take the socket over) and empties the
   * read buffer. Returns how many bytes were buffered but unread: more than 0
   * after the 220 reply means someone injected data before the handshake
   * (RFC 3207 §6), and the caller should give up.
   */
  detach(): number {
    this.reader.detach();
    return this.reader.discardBuffered();
  }

  /** Reads and writes `transport` from now on, with an empty read buffer. */
  rebind(transport: Duplex): void {
    this.#transport = transport;
    this.reader.rebind(transport);
    this.writer.rebind(transport);
  }

  /**
   * Ends the transport gracefully (what is batched is written first) and
   * resolves once it is closed. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const transport = this.#transport;
    this.#closing = new Promise<void>((resolve) => {
      if (transport.destroyed) {
        resolve();
        return;
      }
      transport.once("close", () => resolve());
      // Our FIN first; once everything is written, nothing more is expected from
      // the peer, so do not wait for its FIN (Go's Close closes at once).
      this.writer.flush().catch(() => {});
      transport.end(() => transport.destroy());
    });
    return this.#closing;
  }

  /** Immediate teardown: pending and future reads reject with `error` (or ConnectionClosedError). */
  destroy(error?: Error): void {
    this.reader.destroy(error ?? new ConnectionClosedError("connection destroyed"));
    this.#transport.destroy();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // A reaction on a settled promise rather than queueMicrotask: the same microtask
    // turn, without the AsyncResource queueMicrotask makes per call (this runs once
    // per pipelined group, i.e. per message when transactions go back to back).
    RESOLVED.then(this.#flushScheduledBatch);
  }

  readonly #flushScheduledBatch = (): void => {
    this.#flushScheduled = false;
    this.writer.flush().catch(this.#onFlushFailed);
  };

  /** A failed write also ends the reads (the transport closes or errors); the caller
   *  learns of it through the reply it waits for. */
  readonly #onFlushFailed = (error: unknown): void => {
    const cause = error instanceof Error ? error : undefined;
    this.reader.destroy(
      error instanceof ConnectionClosedError
        ? error
        : new ConnectionClosedError("write failed", { cause }),
    );
  };
}
