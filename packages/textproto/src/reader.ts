// Reader: the read half of a line protocol (RFC 5321 §4.1, RFC 1939, RFC 3977),
// after Go's net/textproto Reader.
//
// Every read is a resumable parse step queued in FIFO order. A step parses
// synchronously from the buffer and either finishes or says it needs more
// bytes; the step runs again when the next chunk arrives. So when a whole
// reply is already buffered it is parsed without waiting, many queued replies
// are parsed in one go from one chunk, reads never interleave, and a reply is
// returned whole or not at all.
//
// Bounds: a line may hold at most `maxLineLength` bytes (CRLF excluded); the
// error is raised as soon as the limit is passed, and the rest of that line is
// discarded as it arrives. The source is paused while more than HIGH_WATER
// unread bytes are buffered.

import type { Readable } from "node:stream";
import { DotDecoder } from "./dot.js";
import {
  ConnectionClosedError,
  LineTooLongError,
  ProtocolError,
  ReplyError,
  ReplyTooLongError,
} from "./errors.js";
import { canonicalKey, isHeaderValueChar } from "./mime-header.js";
import { ReadBuffer } from "./read-buffer.js";

export interface Response {
  code: number;
  /** The reply text; the lines of a multi-line reply joined with "\n". */
  message: string;
}

export type ByteSource = Readable | AsyncIterable<Uint8Array>;

export interface ReaderOptions {
  /** Longest line accepted, in bytes, CRLF excluded. Default 8192. */
  maxLineLength?: number;
  /**
   * Most lines accepted in one multi-line reply. Default 1000 (an EHLO reply
   * has a few dozen). Not in Go, where a reply may grow without bound.
   */
  maxReplyLines?: number;
  /**
   * Called with every line read (reply lines, header lines; not dot-encoded body
   * bytes), for protocol logs. Not in Go.
   */
  trace?: (line: string) => void;
}

const DEFAULT_MAX_LINE = 8192;
const DEFAULT_MAX_REPLY_LINES = 1000;
/** Pause the source above this many unread bytes; resume below half of it. */
const HIGH_WATER = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const DASH = 0x2d;

/** A step's answer when it needs more bytes. */
const MORE: unique symbol = Symbol("more");
type Step<T> = () => T | typeof MORE;

interface Op {
  step: Step<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** The dot block this op reads from, if any (see `dot`). */
  owner: DotBlock | null;
  /** `ReadBuffer.taken` when the op first ran (-1 before): EOF after progress is "unexpected". */
  taken: number;
}

/** An open dot-encoded block read through dotReader(). */
interface DotBlock {
  decoder: DotDecoder;
  done: boolean;
}

interface Attached {
  detach(): void;
  /** Ask for more bytes (async-iterable sources are pulled on demand). */
  want(): void;
  pause(): void;
  resume(): void;
}

function isReadable(source: ByteSource): source is Readable {
  const s = source as Partial<Readable>;
  return typeof s.on === "function" && typeof s.pause === "function";
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  if (Buffer.isBuffer(chunk)) return chunk;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * An empty array that already has V8's object elements kind. A `[]` starts as an array
 * of small integers and changes kind at its first push; on a new connection that first
 * push threw away the optimised code of the hot read path (--trace-deopt: "not a Smi").
 */
function objectArray<T>(): T[] {
  return ([null] as unknown[]).slice(1) as T[];
}

export class Reader {
  readonly #maxLine: number;
  readonly #trace: ((line: string) => void) | undefined;
  readonly #buf = new ReadBuffer();
  /** Bytes from `start` known to hold no LF: each byte is scanned once. */
  #scanned = 0;
  /** Dropping the tail of an over-long line until its LF arrives. */
  #discarding = false;
  /** Queued reads, FIFO: `#ops[#head]` runs next (an index, as shift() is O(n)). */
  #ops: (Op | undefined)[] = objectArray();
  #head = 0;
  #driving = false;
  #eof = false;
  #failure: Error | null = null;
  #source: Attached | null = null;
  #paused = false;
  /** The dot block a dotReader() is reading; other reads first drain it (Go's closeDot). */
  #dot: DotBlock | null = null;
  readonly #maxReplyLines: number;

  constructor(source: ByteSource, options: ReaderOptions = {}) {
    this.#maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE;
    this.#maxReplyLines = options.maxReplyLines ?? DEFAULT_MAX_REPLY_LINES;
    this.#trace = options.trace;
    this.#attach(source);
  }

  /** Bytes received but not yet consumed. */
  get buffered(): number {
    return this.#buf.length;
  }

  /** Reads one line, UTF-8 decoded, without its CRLF (a bare LF also ends a line). */
  readLine(): Promise<string> {
    return this.#enqueue(() => {
      const lf = this.#findLine();
      if (lf < 0) return MORE;
      return this.#takeLineString(lf);
    });
  }

  /** Like readLine, as bytes (a copy). */
  readLineBytes(): Promise<Uint8Array> {
    return this.#enqueue(() => {
      const lf = this.#findLine();
      if (lf < 0) return MORE;
      const start = this.#buf.start;
      const line = this.#buf.copy(start, this.#contentEnd(lf));
      if (this.#trace !== undefined) this.#trace(line.toString("utf8"));
      this.#consumeLine(lf);
      return line;
    });
  }

  /**
   * Reads a possibly folded line (RFC 5322 §2.2.3): following lines that begin
   * with a space or tab are appended, each joined by one space, with leading and
   * trailing blanks trimmed. An empty line is never continued.
   */
  readContinuedLine(): Promise<string> {
    return this.#enqueue(this.#continuedLineStep(null));
  }

  /** Reads one "NNN text" line; a "NNN-" line is a ProtocolError. */
  readCodeLine(expect: number): Promise<Response> {
    return this.#enqueue(() => {
      const lf = this.#findLine();
      if (lf < 0) return MORE;
      const line = this.#parseCodeLine(lf);
      if (line.error !== null) throw this.#codeLineError(lf, line.error);
      const message = this.#takeMessage(lf);
      if (!codeMatches(line.code, expect)) throw new ReplyError(line.code, message);
      if (line.continued) {
        throw new ProtocolError(`unexpected multi-line response: ${message}`);
      }
      return { code: line.code, message };
    });
  }

  /**
   * Reads a reply, single or multi-line (RFC 5321 §4.2.1; the free-text lines of
   * RFC 959 p. 36 are kept), by Go's rules. `expect`: 0 any, 1 digit the class,
   * 2 digits the prefix, 3 digits the exact code. A mismatch is a ReplyError,
   * thrown after the whole reply is consumed.
   */
  readResponse(expect: number): Promise<Response> {
    let code = 0;
    let mismatch = false;
    let started = false;
    const lines: string[] = [];
    return this.#enqueue(() => {
      for (;;) {
        const lf = this.#findLine();
        if (lf < 0) return MORE;
        if (!started) {
          const first = this.#parseCodeLine(lf);
          if (first.error !== null) throw this.#codeLineError(lf, first.error);
          started = true;
          code = first.code;
          mismatch = !codeMatches(code, expect);
          lines.push(this.#takeMessage(lf));
          if (!first.continued) break;
          continue;
        }
        if (lines.length >= this.#maxReplyLines) throw new ReplyTooLongError(this.#maxReplyLines);
        const next = this.#parseCodeLine(lf);
        if (next.error !== null || next.code !== code) {
          // Not a line of this reply: keep it as free text (Go trims trailing CR/LF).
          lines.push(this.#takeLineString(lf).replace(/[\r\n]+$/, ""));
          continue;
        }
        lines.push(this.#takeMessage(lf));
        if (!next.continued) break;
      }
      const message = lines.join("\n");
      if (mismatch) throw new ReplyError(code, message);
      return { code, message };
    });
  }

  /** Reads a dot-encoded block (RFC 5321 §4.5.2) and returns the decoded bytes. */
  readDotBytes(): Promise<Uint8Array> {
    const decoder = new DotDecoder();
    const parts: Buffer[] = [];
    return this.#enqueue(() => {
      if (!this.#decodeInto(decoder, parts)) return MORE;
      return Buffer.concat(parts);
    });
  }

  /** Reads a dot-encoded block and returns its lines, line endings removed. */
  readDotLines(): Promise<string[]> {
    const decoder = new DotDecoder();
    const parts: Buffer[] = [];
    return this.#enqueue(() => {
      if (!this.#decodeInto(decoder, parts)) return MORE;
      const text = Buffer.concat(parts).toString("utf8");
      if (text === "") return [];
      const lines = text.split("\n");
      // The block ends with a line ending, so the last element is empty.
      if (lines[lines.length - 1] === "") lines.pop();
      return lines.map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
    });
  }

  /**
   * Streams the decoded body of a dot-encoded block; ends after the lone "."
   * line. Each chunk holds at most what was buffered, so memory is bounded by
   * the chunk, not the body. A later read on this Reader first discards what is
   * left of the block (as Go's closeDot).
   */
  dotReader(): AsyncIterableIterator<Uint8Array> {
    const block: DotBlock = { decoder: new DotDecoder(), done: false };
    // Opens the block in queue order, so earlier queued reads are unaffected.
    this.#enqueue(() => {
      this.#dot = block;
      return undefined;
    }, block).catch(() => {});
    const done: IteratorResult<Uint8Array> = { done: true, value: undefined };
    let finished = false;
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next: () => {
        if (finished) return Promise.resolve(done);
        const read = this.#enqueue<IteratorResult<Uint8Array>>(() => {
          if (block.done) return done;
          const parts: Buffer[] = [];
          const complete = this.#decodeInto(block.decoder, parts);
          if (complete) {
            block.done = true;
            if (this.#dot === block) this.#dot = null;
          }
          if (parts.length > 0) {
            const value = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
            return { done: false, value };
          }
          return complete ? done : MORE;
        }, block);
        return read.then((result) => {
          if (result.done) finished = true;
          return result;
        });
      },
      return: () => {
        finished = true;
        return Promise.resolve(done);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /**
   * Reads a MIME-style header block up to the empty line: canonical keys
   * ("Content-Type"), values in order, folded lines joined (as Go's ReadMIMEHeader).
   */
  readMimeHeader(): Promise<Map<string, string[]>> {
    const header = new Map<string, string[]>();
    let checkedFirst = false;
    let step = this.#continuedLineStep(mustHaveColon);
    return this.#enqueue(() => {
      if (!checkedFirst) {
        if (this.#buf.length === 0) return MORE;
        const c = this.#buf.data[this.#buf.start];
        if (c === SP || c === TAB) {
          const lf = this.#findLine();
          if (lf < 0) return MORE;
          throw new ProtocolError(
            `malformed MIME header initial line: ${this.#takeLineString(lf)}`,
          );
        }
        checkedFirst = true;
      }
      for (;;) {
        const kv = step();
        if (kv === MORE) return MORE;
        step = this.#continuedLineStep(mustHaveColon);
        if (kv === "") return header;
        const colon = kv.indexOf(":");
        const { key, ok } = canonicalKey(kv.slice(0, colon));
        const raw = kv.slice(colon + 1);
        if (!ok || !allValueChars(raw)) {
          throw new ProtocolError(`malformed MIME header line: ${kv}`);
        }
        const value = raw.replace(/^[ \t]+/, "");
        const values = header.get(key);
        if (values === undefined) header.set(key, [value]);
        else values.push(value);
      }
    });
  }

  /** Stops listening to the current source; buffered bytes are kept. */
  detach(): void {
    this.#source?.detach();
    this.#source = null;
    this.#paused = false;
  }

  /**
   * Drops every buffered, unread byte and returns how many there were. Not in
   * Go; Conn uses it for STARTTLS (RFC 3207 §4.2: nothing read before the TLS
   * handshake may be used after it).
   */
  discardBuffered(): number {
    const n = this.#buf.length;
    this.#buf.clear();
    this.#scanned = 0;
    this.#discarding = false;
    return n;
  }

  /** Detaches, drops the buffer and reads from `source` from now on. */
  rebind(source: ByteSource): void {
    this.detach();
    this.discardBuffered();
    this.#eof = false;
    this.#dot = null;
    this.#attach(source);
    this.#drive();
  }

  /** Every pending and future read rejects with `error`. */
  destroy(error: Error): void {
    if (this.#failure === null) this.#failure = error;
    this.detach();
    this.#buf.clear();
    this.#drive();
  }

  // ---- queue ----

  #enqueue<T>(step: Step<T>, owner: DotBlock | null = null): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#ops.push({
        step,
        resolve: resolve as (value: unknown) => void,
        reject,
        owner,
        taken: -1,
      });
      this.#drive();
    });
  }

  #dequeue(): void {
    this.#ops[this.#head++] = undefined;
    if (this.#head === this.#ops.length) {
      this.#ops.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#ops.length) {
      this.#ops = this.#ops.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Runs queued steps for as long as they can finish with what is buffered. */
  #drive(): void {
    if (this.#driving) return;
    this.#driving = true;
    try {
      for (;;) {
        const op = this.#ops[this.#head];
        if (op === undefined) break;
        if (this.#failure !== null) {
          this.#dequeue();
          op.reject(this.#failure);
          continue;
        }
        let result: unknown;
        if (op.taken < 0) op.taken = this.#buf.taken;
        try {
          result = this.#dot !== null && op.owner !== this.#dot ? this.#drainDot() : undefined;
          if (result !== MORE) result = op.step();
        } catch (error) {
          this.#dequeue();
          op.reject(error);
          continue;
        }
        if (result !== MORE) {
          this.#dequeue();
          op.resolve(result);
          continue;
        }
        if (!this.#eof) {
          this.#source?.want();
          break;
        }
        // EOF: whatever this step had started stays unreturned.
        this.#dequeue();
        const partial = this.#buf.length > 0 || this.#buf.taken !== op.taken;
        this.#buf.clear();
        this.#scanned = 0;
        op.reject(new ConnectionClosedError(partial ? "unexpected EOF" : "connection closed"));
      }
    } finally {
      this.#driving = false;
    }
    if (this.#paused && this.#buf.length < HIGH_WATER / 2) {
      this.#paused = false;
      this.#source?.resume();
    }
  }

  #drainDot(): undefined | typeof MORE {
    const block = this.#dot;
    if (block === null) return undefined;
    const sink: Buffer[] = [];
    for (;;) {
      if (this.#decodeInto(block.decoder, sink)) break;
      if (sink.length === 0) return MORE;
      sink.length = 0;
    }
    block.done = true;
    this.#dot = null;
    return undefined;
  }

  // ---- source ----

  #attach(source: ByteSource): void {
    if (isReadable(source)) this.#attachReadable(source);
    else this.#attachIterable(source);
  }

  #attachReadable(stream: Readable): void {
    const onData = (chunk: Uint8Array | string) => this.#push(toBuffer(chunk));
    const onEnd = () => this.#end();
    const onError = (error: Error) =>
      this.#fail(new ConnectionClosedError(`connection error: ${error.message}`, { cause: error }));
    const attached: Attached = {
      detach: () => {
        stream.off("data", onData);
        stream.off("end", onEnd);
        stream.off("close", onEnd);
        stream.off("error", onError);
      },
      want: () => {},
      pause: () => stream.pause(),
      resume: () => stream.resume(),
    };
    this.#source = attached;
    stream.on("error", onError);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
    if (stream.readableEnded || stream.destroyed) {
      this.#end();
      return;
    }
    stream.on("data", onData);
  }

  #attachIterable(iterable: AsyncIterable<Uint8Array>): void {
    const iterator = iterable[Symbol.asyncIterator]();
    let pulling = false;
    let active = true;
    const attached: Attached = {
      detach: () => {
        active = false;
      },
      // Pulled on demand: nothing is read that no read asked for.
      want: () => {
        if (pulling || !active) return;
        pulling = true;
        iterator.next().then(
          (result) => {
            pulling = false;
            if (!active) return;
            if (result.done === true) this.#end();
            else this.#push(toBuffer(result.value));
          },
          (error: unknown) => {
            pulling = false;
            if (!active) return;
            const message = error instanceof Error ? error.message : String(error);
            this.#fail(new ConnectionClosedError(`connection error: ${message}`, { cause: error }));
          },
        );
      },
      pause: () => {},
      resume: () => {},
    };
    this.#source = attached;
  }

  #push(chunk: Buffer): void {
    if (this.#discarding) {
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        // Still inside the over-long line: nothing to parse, but a pull-based
        // source (an async iterable) only reads on when we ask, so ask.
        this.#drive();
        return;
      }
      this.#discarding = false;
      chunk = chunk.subarray(lf + 1);
    }
    this.#buf.append(chunk);
    this.#drive();
    if (!this.#paused && this.#buf.length > HIGH_WATER && this.#source !== null) {
      this.#paused = true;
      this.#source.pause();
    }
  }

  #end(): void {
    this.#eof = true;
    this.#drive();
  }

  #fail(error: Error): void {
    if (this.#failure === null) this.#failure = error;
    this.#drive();
  }

  // ---- lines ----

  /**
   * Index in `data` of the LF ending the next line, or -1 if it has not arrived.
   * Throws LineTooLongError as soon as the line is known to pass the limit.
   */
  #findLine(): number {
    const buf = this.#buf;
    const data = buf.data;
    const start = buf.start;
    const lf = data.indexOf(LF, start + this.#scanned);
    if (lf >= 0) {
      if (this.#contentEnd(lf) - start > this.#maxLine) {
        this.#consumeLine(lf);
        throw new LineTooLongError(this.#maxLine);
      }
      return lf;
    }
    const length = data.length - start;
    this.#scanned = length;
    // A final CR may still be the first half of the CRLF.
    const shortest = data[data.length - 1] === CR ? length - 1 : length;
    if (shortest > this.#maxLine) {
      buf.clear();
      this.#scanned = 0;
      this.#discarding = true;
      throw new LineTooLongError(this.#maxLine);
    }
    return -1;
  }

  #contentEnd(lf: number): number {
    return lf > this.#buf.start && this.#buf.data[lf - 1] === CR ? lf - 1 : lf;
  }

  #consumeLine(lf: number): void {
    this.#buf.consume(lf + 1 - this.#buf.start);
    this.#scanned = 0;
  }

  #takeLineString(lf: number): string {
    const line = this.#buf.data.toString("utf8", this.#buf.start, this.#contentEnd(lf));
    if (this.#trace !== undefined) this.#trace(line);
    this.#consumeLine(lf);
    return line;
  }

  /**
   * Classifies the line ending at `lf` as "NNN" (" " | "-") text (Go's
   * parseCodeLine) without consuming it. Returns the code (0 if the line does
   * not parse), and the ProtocolError to throw if it is the first line.
   */
  #parseCodeLine(lf: number): CodeLine {
    const data = this.#buf.data;
    const start = this.#buf.start;
    const sep = data[start + 3];
    if (this.#contentEnd(lf) - start < 4 || (sep !== SP && sep !== DASH)) {
      return { code: 0, continued: false, error: "short response" };
    }
    const d0 = data[start] ?? 0;
    const d1 = data[start + 1] ?? 0;
    const d2 = data[start + 2] ?? 0;
    // Three digits, 100-999 (Go: strconv.Atoi and code >= 100).
    if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2) || d0 === 0x30) {
      return { code: 0, continued: false, error: "invalid response code" };
    }
    const code = (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
    return { code, continued: sep === DASH, error: null };
  }

  /** Consumes a parsed code line and returns its text after "NNN-" / "NNN ". */
  #takeMessage(lf: number): string {
    const data = this.#buf.data;
    const start = this.#buf.start;
    const end = this.#contentEnd(lf);
    if (this.#trace !== undefined) this.#trace(data.toString("utf8", start, end));
    const message = data.toString("utf8", start + 4, end);
    this.#consumeLine(lf);
    return message;
  }

  /** Consumes a line that failed to parse and returns the ProtocolError for it. */
  #codeLineError(lf: number, what: string): ProtocolError {
    return new ProtocolError(`${what}: ${this.#takeLineString(lf)}`);
  }

  /**
   * Decodes buffered dot-encoded bytes with `decoder`, appending copies of the
   * decoded bytes to `parts`. True once the terminating "." line was consumed.
   */
  #decodeInto(decoder: DotDecoder, parts: Buffer[]): boolean {
    const buf = this.#buf;
    while (buf.length > 0) {
      const { data, consumed, done } = decoder.decode(buf.data.subarray(buf.start));
      // Copy: decoded bytes may be a view of our buffer, which is reused.
      if (data.length > 0) parts.push(Buffer.from(data));
      buf.consume(consumed);
      this.#scanned = 0;
      if (done) return true;
      if (consumed === 0) break;
    }
    return false;
  }

  /**
   * A resumable step reading one folded line (Go's readContinuedLineSlice).
   * `validateFirst` may throw on the first physical line.
   */
  #continuedLineStep(validateFirst: ((line: string) => void) | null): Step<string> {
    let value: string | null = null;
    let blanksSkipped = false;
    return () => {
      for (;;) {
        if (value === null) {
          const lf = this.#findLine();
          if (lf < 0) return MORE;
          const first = this.#takeLineString(lf);
          if (first === "") return first; // a blank line is never continued
          validateFirst?.(first);
          value = trimBlanks(first);
          continue;
        }
        if (!blanksSkipped) {
          // Is the next physical line a continuation? Needs one byte (or EOF).
          const buf = this.#buf;
          let n = 0;
          while (buf.start + n < buf.data.length) {
            const c = buf.data[buf.start + n];
            if (c !== SP && c !== TAB) break;
            n++;
          }
          if (buf.start + n === buf.data.length) {
            if (this.#eof && n === 0) return value;
            // Only blanks so far (or nothing): wait to see the rest.
            if (n === 0) return MORE;
          } else if (n === 0) {
            return value;
          }
          buf.consume(n);
          this.#scanned = 0;
          value += " ";
          blanksSkipped = true;
        }
        const lf = this.#findLine();
        if (lf < 0) return MORE;
        value += trimBlanks(this.#takeLineString(lf));
        blanksSkipped = false;
      }
    };
  }
}

interface CodeLine {
  code: number;
  continued: boolean;
  /** Why the line does not parse (Go's ProtocolError text), or null. */
  error: "short response" | "invalid response code" | null;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Go's expectCode rule: 1 digit = class, 2 digits = prefix, 3 digits = exact, else any. */
export function codeMatches(code: number, expect: number): boolean {
  if (expect >= 1 && expect < 10) return Math.floor(code / 100) === expect;
  if (expect >= 10 && expect < 100) return Math.floor(code / 10) === expect;
  if (expect >= 100 && expect < 1000) return code === expect;
  return true;
}

function trimBlanks(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** RFC 7230 §3.2.4: the field name sits on one line, so the first line has a colon. */
function mustHaveColon(line: string): void {
  if (!line.includes(":")) {
    throw new ProtocolError(`malformed MIME header: missing colon: ${JSON.stringify(line)}`);
  }
}

function allValueChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (!isHeaderValueChar(s.charCodeAt(i))) return false;
  }
  return true;
}
