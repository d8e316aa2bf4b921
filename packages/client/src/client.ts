// Client: one SMTP (or LMTP) session, Go's net/smtp Client in TypeScript idioms.
//
// Every public verb is a few lines on top of one private helper, `cmd`, which writes a
// line and reads its reply under the command deadline (Go's `c.cmd`). Calls are
// serialised by a lock: a session is a conversation, and a second caller must wait its
// turn. `send()` (transaction.ts) is the exception that makes pipelining pay: with
// PIPELINING it gives up the lock as soon as the final dot is queued, so the next
// transaction's MAIL can share a write with that dot (RFC 2920 §3.1).

import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { PeerCertificate, TLSSocket, ConnectionOptions as TlsOptions } from "node:tls";
import type { Auth, Credentials, ServerInfo } from "@smtp/auth";
import { Conn, DotEncoder, type Response } from "@smtp/textproto";
import { authExchange, authenticateWith } from "./auth-exchange.js";
import { type DataWriter, DataWriterImpl } from "./data-writer.js";
import { authMechanisms, parseEhloReply } from "./ehlo.js";
import { parseEnhancedCode } from "./enhanced-code.js";
import {
  AbortError,
  ConnectionClosedError,
  InvalidArgumentError,
  type Phase,
  SmtpError,
  SmtpProtocolError,
  SmtpReplyError,
} from "./errors.js";
import {
  checkMailOptions,
  type MailOptions,
  mailParameters,
  type RcptOptions,
  rcptParameters,
} from "./mail-options.js";
import { isTlsSocket } from "./node-tls.js";
import { Deadline, resolveTimeouts, type Timeouts } from "./timeouts.js";
import { channelBindingOf, upgradeToTls } from "./tls.js";
import {
  checkEnvelope,
  type Envelope,
  type MessageBody,
  runTransaction,
  type TransactionResult,
} from "./transaction.js";
import { Transcript, type TranscriptHook } from "./transcript.js";
import { addressNeedsSmtpUtf8, checkAddress, checkLine } from "./validate.js";

export interface ClientOptions {
  /** EHLO/HELO/LHLO name, default "localhost" (Go's default). */
  localName?: string;
  /** LMTP (RFC 2033): LHLO instead of EHLO, one reply per recipient after the body. */
  lmtp?: boolean;
  timeouts?: Partial<Timeouts>;
  /** Aborts the whole session: the socket is destroyed, the pending call rejects with AbortError. */
  signal?: AbortSignal;
  /** Sees every command and reply line, AUTH payloads redacted. */
  onLine?: TranscriptHook;
  /** Longest reply line accepted, CRLF excluded (textproto's default when absent). */
  maxLineLength?: number;
  /**
   * What a bare CR (a CR not followed by LF) in a DATA body becomes. `"crlf"` (default):
   * CRLF, as RFC 5321 §2.3.8 requires of a client, so a body's "<CR>.<CRLF>" cannot end
   * the data early on a server that takes a bare CR as a line end (SMTP smuggling).
   * `"pass"`: sent as it is (Go's behaviour). BDAT bodies are always sent as they are.
   */
  bareCr?: "crlf" | "pass";
}

/** Options only dial() passes: the socket already speaks TLS (implicit TLS). */
export interface InternalClientOptions extends ClientOptions {
  tlsActive?: boolean;
}

/** A server reply: code, enhanced status code (RFC 3463) when present, text lines joined with "\n". */
export interface Reply {
  code: number;
  enhancedCode: string | undefined;
  message: string;
}

export interface TlsConnectionState {
  protocol: string | null;
  cipher: string;
  authorized: boolean;
  peerCertificate: PeerCertificate;
}

/** A 421 reply: the server is closing the transmission channel (RFC 5321 §3.8). */
function isClosing(err: unknown): boolean {
  return err instanceof SmtpReplyError && err.replyCode === 421;
}

export function toReply(response: Response): Reply {
  return {
    code: response.code,
    enhancedCode: parseEnhancedCode(response.code, response.message),
    message: response.message,
  };
}

function snapshotTls(socket: Duplex): TlsConnectionState | undefined {
  if (!isTlsSocket(socket)) return undefined;
  const cipher = socket.getCipher() as ReturnType<TLSSocket["getCipher"]> | null;
  if (cipher === null || socket.destroyed) return undefined;
  return {
    protocol: socket.getProtocol(),
    cipher: cipher.name,
    authorized: socket.authorized,
    peerCertificate: socket.getPeerCertificate(),
  };
}

/**
 * An empty array that already has V8's object elements kind. A `[]` starts as an array
 * of small integers and changes kind at its first push; on a new connection that first
 * push threw away the optimised code of the hot send path (--trace-deopt: "not a Smi").
 */
function objectArray<T>(): T[] {
  return ([null] as unknown[]).slice(1) as T[];
}

/** ClientOptions.bareCr: "crlf", "pass" or absent; checked before anything is written. */
export function checkBareCr(bareCr: unknown): void {
  if (bareCr !== undefined && bareCr !== "crlf" && bareCr !== "pass") {
    throw new InvalidArgumentError('bareCr must be "crlf" or "pass"');
  }
}

/** Reads the 220 greeting on an open socket and returns the session (Go's NewClient). */
export function newClient(
  socket: Duplex,
  host: string,
  options: ClientOptions = {},
): Promise<Client> {
  return Client.create(socket, host, options);
}

export class Client implements AsyncDisposable {
  /** The textproto connection, for extensions (Go's Client.Text). */
  readonly text: Conn;
  /** The host the client was dialed with: ServerInfo.name, the TLS name. */
  readonly host: string;
  readonly lmtp: boolean;

  private localName: string;
  private tlsActive: boolean;
  private didHello = false;
  /** The hello attempt (EHLO, then HELO) is over, whatever its outcome. */
  private helloSettled = false;
  private helloError: unknown;
  /** undefined after HELO: extensions unknown (Go's nil map). */
  private ext: Map<string, string> | undefined;
  private authList: string[] = [];
  private tlsState: TlsConnectionState | undefined;
  /** RCPTs accepted since the last MAIL: LMTP's data() reads one final reply for each. */
  private acceptedRcpts = 0;
  private readonly deadline: Deadline;
  private readonly transcript: Transcript;
  private locked = false;
  /** @internal What a bare CR in a DATA body becomes (ClientOptions.bareCr). */
  readonly bareCr: "crlf" | "pass";
  // Made with the session, not on its first message: a constructor first reached in the
  // hot send path (a connection's first DATA) made V8 deoptimise it.
  private encoder: DotEncoder;
  // Object elements from the start: see objectArray().
  private readonly lockWaiters: (() => void)[] = objectArray();
  private broken: Error | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;
  private active = 0;
  private readonly onSessionAbort: (() => void) | undefined;

  /** @internal Use dial() or newClient(). */
  private constructor(
    socket: Duplex,
    host: string,
    options: InternalClientOptions,
    startedAt: number,
  ) {
    this.host = host;
    this.lmtp = options.lmtp === true;
    this.localName = options.localName ?? "localhost";
    this.bareCr = options.bareCr ?? "crlf";
    this.encoder = new DotEncoder({ bareCr: this.bareCr });
    this.tlsActive = options.tlsActive ?? isTlsSocket(socket);
    this.tlsState = snapshotTls(socket);
    this.transcript = new Transcript(options.onLine);
    this.deadline = new Deadline(resolveTimeouts(options.timeouts), options.signal, startedAt);
    this.text = new Conn(socket, {
      onLine: this.transcript.onLine,
      ...(options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength }),
      // A socket (TLS or not) is done with a write's bytes when its callback runs, so the
      // dot encoder's output buffers can be reused; a caller's other Duplex may keep them.
      recycleBuffers: socket instanceof Socket,
    });
    // We batch writes ourselves (one per pipelined group); Nagle's algorithm would only
    // hold the last segment of a group back until the previous one is ACKed, which with
    // delayed ACKs costs ~40 ms per message.
    (socket as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    const signal = options.signal;
    if (signal !== undefined) {
      // While a call runs, its own deadline names the phase; while idle, the abort
      // still ends the session so no socket outlives the caller's intent.
      this.onSessionAbort = () => {
        if (this.active === 0) this.fail(new AbortError("aborted", { cause: signal.reason }));
      };
      signal.addEventListener("abort", this.onSessionAbort, { once: true });
    }
  }

  /** @internal */
  static async create(
    socket: Duplex,
    host: string,
    options: InternalClientOptions = {},
    startedAt = Date.now(),
  ): Promise<Client> {
    if (options.localName !== undefined) checkLine(options.localName, "the local name");
    checkBareCr(options.bareCr);
    const client = new Client(socket, host, options, startedAt);
    try {
      await client.guard("greeting", client.deadline.timeouts.greeting, () =>
        client.text.expect(220),
      );
    } catch (err) {
      client.fail(err instanceof Error ? err : new Error(String(err)));
      client.detachSignal();
      throw err;
    }
    return client;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** @internal The deadlines, for the transaction and data writer. */
  get timeouts(): Timeouts {
    return this.deadline.timeouts;
  }

  // ---- the lock -------------------------------------------------------------------

  /**
   * @internal Waits for the turn; returns the function that ends it (idempotent).
   * A free lock is taken at once; waiters queue in call order and are handed the lock
   * one by one, so no promise chain grows with the number of calls.
   */
  acquire(): Promise<() => void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      this.lockWaiters.push(() => resolve(this.releaser()));
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.lockWaiters.shift();
      if (next === undefined) this.locked = false;
      else next();
    };
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  // ---- the one helper every verb uses ---------------------------------------------

  /**
   * @internal Runs `op` under the phase deadline, the total deadline and the signal;
   * maps textproto errors to this package's. `command` (already redacted) goes on a
   * reply error.
   */
  async guard<T>(phase: Phase, ms: number, op: () => Promise<T>, command?: string): Promise<T> {
    if (this.broken !== undefined || this.isClosed) throw this.closedError(phase);
    this.active++;
    try {
      return await this.deadline.run(phase, ms, op, (err) => this.fail(err));
    } catch (err) {
      throw this.mapError(err, phase, command);
    } finally {
      this.active--;
    }
  }

  /** @internal Writes one command and reads its reply; `expect` as textproto (0 = any). */
  cmd(phase: Phase, expect: number, line: string, logged: string = line): Promise<Reply> {
    return this.guard(
      phase,
      this.deadline.timeouts.command,
      async () => toReply(await this.text.cmd(line, expect)),
      logged,
    );
  }

  /**
   * @internal Puts `line` in the write batch without scheduling a flush, so it leaves
   * with whatever is written next (a pipelined final command, RFC 2920 §3.1); the
   * caller flushes or queues its reply with `text.expect`. The transcript sees it.
   */
  queueLine(phase: Phase, line: string): void {
    if (this.broken !== undefined || this.isClosed) throw this.closedError(phase);
    this.text.writer.writeLine(line);
    this.transcript.onLine("client", line);
  }

  /**
   * @internal The session's dot encoder (RFC 5321 §4.5.2), reused from one message to
   * the next: its end() starts it over. One that did not reach end() (a body cut short,
   * which also ends the session) is replaced. It writes a bare CR as `bareCr` says
   * (default CRLF: RFC 5321 §2.3.8, no SMTP smuggling).
   */
  dotEncoder(): DotEncoder {
    if (this.encoder.state !== "begin") {
      this.encoder = new DotEncoder({ bareCr: this.bareCr });
    }
    return this.encoder;
  }

  /** @internal Ends the session after a timeout, abort, or malformed input. */
  fail(error: Error): void {
    if (this.broken === undefined) this.broken = error;
    this.isClosed = true;
    this.detachSignal();
    this.text.destroy(error);
  }

  private detachSignal(): void {
    this.deadline.dispose();
    if (this.onSessionAbort !== undefined) {
      this.deadline.signal?.removeEventListener("abort", this.onSessionAbort);
    }
  }

  private closedError(phase: Phase): SmtpError {
    if (this.broken instanceof AbortError) {
      return new AbortError(`aborted before ${phase}`, { phase, cause: this.broken.cause });
    }
    if (this.broken instanceof SmtpError && this.broken.code !== "ERR_SMTP") {
      return new ConnectionClosedError(`connection is closed (${this.broken.message})`, {
        phase,
        cause: this.broken,
      });
    }
    return new ConnectionClosedError("connection is closed", { phase, cause: this.broken });
  }

  /** @internal */
  mapError(err: unknown, phase: Phase, command: string | undefined): unknown {
    if (err instanceof SmtpError) return err;
    const code = (err as { code?: unknown } | null)?.code;
    switch (code) {
      case "ERR_REPLY": {
        const e = err as { replyCode: number; text: string };
        return new SmtpReplyError(
          {
            code: e.replyCode,
            enhancedCode: parseEnhancedCode(e.replyCode, e.text),
            message: e.text,
          },
          { phase, command, cause: err },
        );
      }
      case "ERR_PROTOCOL":
      case "ERR_LINE_TOO_LONG": {
        // The reply stream is out of step: nothing more on it can be trusted.
        const mapped = new SmtpProtocolError((err as Error).message, { phase, cause: err });
        this.fail(mapped);
        return mapped;
      }
      case "ERR_INVALID_LINE":
        return new InvalidArgumentError((err as Error).message, { phase, cause: err });
      default: {
        if (this.broken !== undefined) return this.closedError(phase);
        const message = err instanceof Error ? err.message : String(err);
        const mapped = new ConnectionClosedError(`connection closed during ${phase}: ${message}`, {
          phase,
          cause: err,
        });
        this.fail(mapped);
        return mapped;
      }
    }
  }

  // ---- hello ----------------------------------------------------------------------

  /** @internal Go's hello(): EHLO once, HELO when it fails; the outcome is remembered. */
  async ensureHello(): Promise<void> {
    // A dead connection says so, rather than repeating the hello's old error.
    if (this.broken !== undefined || this.isClosed) throw this.closedError("hello");
    if (!this.didHello) {
      this.didHello = true;
      try {
        await this.ehlo();
      } catch (err) {
        // LMTP has no HELO (RFC 2033 §4.1); a dead connection has no second try, and
        // 421 means the server is closing the channel (RFC 5321 §3.8): HELO would only
        // meet the closed socket and hide the 421.
        if (this.lmtp || this.broken !== undefined || isClosing(err)) this.helloError = err;
        else {
          try {
            await this.helo();
          } catch (err2) {
            // When HELO dies with the connection, EHLO's answer is the one worth reporting.
            this.helloError = err2 instanceof ConnectionClosedError ? err : err2;
          }
        }
      }
      this.helloSettled = true;
    }
    if (this.helloError !== undefined) throw this.helloError;
  }

  /**
   * @internal True when ensureHello() would resolve at once without doing anything: the
   * hello is over and succeeded, and the session is alive. send() then skips the await
   * (a promise and a resumption per message on the back-to-back path).
   */
  get helloReady(): boolean {
    return (
      this.helloSettled &&
      this.helloError === undefined &&
      this.broken === undefined &&
      !this.isClosed
    );
  }

  private async ehlo(): Promise<void> {
    const verb = this.lmtp ? "LHLO" : "EHLO";
    const reply = await this.cmd("hello", 250, `${verb} ${this.localName}`);
    const { extensions } = parseEhloReply(reply.message);
    this.ext = extensions;
    this.authList = authMechanisms(extensions);
  }

  private async helo(): Promise<void> {
    this.ext = undefined;
    this.authList = [];
    await this.cmd("hello", 250, `HELO ${this.localName}`);
  }

  /** Sends EHLO (LHLO with `lmtp`) as `localName`; only before any other command. */
  hello(localName: string): Promise<void> {
    return this.exclusive(async () => {
      checkLine(localName, "the hello name");
      if (this.didHello) {
        throw new SmtpError("hello called after other methods", { phase: "hello" });
      }
      this.localName = localName;
      await this.ensureHello();
    });
  }

  /** Whether the server advertised `name` (case-insensitive), and its parameters. */
  extension(name: string): Promise<[boolean, string]> {
    return this.exclusive(async () => {
      try {
        await this.ensureHello();
      } catch {
        return [false, ""];
      }
      const params = this.ext?.get(name.toUpperCase());
      return params === undefined ? [false, ""] : [true, params];
    });
  }

  /** Every advertised keyword (upper-case) and its parameters; empty after HELO. */
  extensions(): Promise<ReadonlyMap<string, string>> {
    return this.exclusive(async () => {
      await this.ensureHello();
      return new Map(this.ext ?? []);
    });
  }

  /** @internal The extension map as it is now (undefined: unknown, after HELO). */
  get extensionMap(): ReadonlyMap<string, string> | undefined {
    return this.ext;
  }

  /** @internal */
  get isTls(): boolean {
    return this.tlsActive;
  }

  // ---- TLS ------------------------------------------------------------------------

  /**
   * STARTTLS (RFC 3207): the certificate and host are verified unless the caller turns
   * it off; bytes sent before the handshake are response injection; EHLO again inside.
   */
  startTls(tlsOptions: TlsOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureHello();
      await this.cmd("tls", 220, "STARTTLS");
      try {
        await this.guard("tls", this.deadline.timeouts.connect, () =>
          upgradeToTls(this.text, this.host, tlsOptions),
        );
      } catch (err) {
        // Half a handshake (or injected bytes) leaves nothing to resume: the session ends.
        this.fail(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
      this.tlsActive = true;
      this.tlsState = snapshotTls(this.text.transport);
      // RFC 3207 §4.2: forget everything learnt before TLS. Go calls ehlo() directly.
      this.ext = undefined;
      this.authList = [];
      await this.ehlo();
    });
  }

  /**
   * The TLS state, or undefined when the session is not over TLS. Taken when the
   * handshake completed, so it still answers after quit() or close(), as Go's does
   * (a closed TLSSocket has no cipher any more).
   */
  tlsConnectionState(): TlsConnectionState | undefined {
    if (this.tlsState === undefined) this.tlsState = snapshotTls(this.text.transport);
    return this.tlsState;
  }

  // ---- AUTH -----------------------------------------------------------------------

  /** @internal */
  serverInfo(): ServerInfo {
    return { name: this.host, tls: this.tlsActive, auth: [...this.authList] };
  }

  /** @internal */
  setAuthMode(on: boolean): void {
    this.transcript.inAuth = on;
  }

  /** One AUTH exchange with `a` (RFC 4954). A failure sends "*" and QUIT, as Go does. */
  auth(a: Auth): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureHello();
      await authExchange(this, a, "quit");
    });
  }

  /**
   * Picks the mechanisms @smtp/auth allows for these credentials and this server, and
   * tries them in order, moving on when one is refused with 504, 534 or 535.
   * Resolves with the mechanism that succeeded.
   */
  authenticate(credentials: Credentials, options: { mechanisms?: string[] } = {}): Promise<string> {
    return this.exclusive(async () => {
      await this.ensureHello();
      const port = (this.text.transport as { remotePort?: unknown }).remotePort;
      return authenticateWith(this, credentials, channelBindingOf(this.text.transport), {
        ...options,
        ...(typeof port === "number" ? { port } : {}),
      });
    });
  }

  // ---- the mail transaction, Go's way ---------------------------------------------

  /** MAIL FROM (RFC 5321 §4.1.1.2) with the parameters of `options` (mail-options.ts). */
  mail(from: string, options?: MailOptions): Promise<Reply> {
    return this.exclusive(async () => {
      checkLine(from, "the sender address");
      checkMailOptions(options);
      await this.ensureHello();
      const line = this.mailLine(from, options, addressNeedsSmtpUtf8(from));
      const reply = await this.cmd("command", 250, line);
      this.acceptedRcpts = 0;
      return reply;
    });
  }

  /** @internal The MAIL FROM line, checked. */
  mailLine(from: string, options: MailOptions | undefined, needsUtf8: boolean): string {
    const ext = this.ext ?? new Map<string, string>();
    checkAddress(from, { smtpUtf8Advertised: ext.has("SMTPUTF8") });
    return `MAIL FROM:<${from}>${mailParameters(options, ext, { tls: this.tlsActive, addressNeedsUtf8: needsUtf8 })}`;
  }

  /** @internal The RCPT TO line, checked. */
  rcptLine(to: string, options: RcptOptions | undefined): string {
    const ext = this.ext ?? new Map<string, string>();
    checkAddress(to, { smtpUtf8Advertised: ext.has("SMTPUTF8") });
    return `RCPT TO:<${to}>${rcptParameters(options, ext)}`;
  }

  /** RCPT TO; any 25x is success (Go). Does not trigger hello. */
  rcpt(to: string, options?: RcptOptions): Promise<Reply> {
    return this.exclusive(async () => {
      checkLine(to, "the recipient address");
      const reply = await this.cmd("command", 25, this.rcptLine(to, options));
      this.acceptedRcpts++;
      return reply;
    });
  }

  /**
   * DATA: resolves after 354 with a writer; its close() sends the final dot and resolves
   * with the final reply. The session is held until then. Does not trigger hello.
   */
  async data(): Promise<DataWriter> {
    const release = await this.acquire();
    try {
      await this.cmd("data", 354, "DATA");
      return new DataWriterImpl(this, release, this.lmtp ? Math.max(1, this.acceptedRcpts) : 1);
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * The whole transaction: MAIL, every RCPT, DATA (or BDAT), the body, the final reply.
   * Pipelined when the server advertises PIPELINING; per-recipient results.
   */
  async send(envelope: Envelope, body: MessageBody): Promise<TransactionResult> {
    const release = await this.acquire();
    try {
      const checked = checkEnvelope(envelope);
      // Here, not in runTransaction: only a connection's first message takes this path,
      // and inside a large hot function it made V8 throw that function's code away.
      if (!this.helloReady) await this.ensureHello();
      return await runTransaction(this, checked, body, release);
    } finally {
      release();
    }
  }

  reset(): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureHello();
      await this.cmd("command", 250, "RSET");
    });
  }

  noop(): Promise<void> {
    return this.exclusive(async () => {
      await this.ensureHello();
      await this.cmd("command", 250, "NOOP");
    });
  }

  /** VRFY; only 250 counts as verified (Go). */
  verify(address: string): Promise<void> {
    return this.exclusive(async () => {
      checkLine(address, "the address");
      await this.ensureHello();
      await this.cmd("command", 250, `VRFY ${address}`);
    });
  }

  /** QUIT, even after a failed hello (Go); the socket is closed on 221 (and, unlike Go, on failure too). */
  quit(): Promise<void> {
    return this.exclusive(() => this.quitLocked());
  }

  /** @internal QUIT while already holding the lock (the AUTH failure path). */
  async quitLocked(): Promise<void> {
    try {
      await this.ensureHello();
    } catch {
      // Go: "ignore error; we're quitting anyhow".
    }
    try {
      await this.cmd("quit", 221, "QUIT");
    } finally {
      await this.close();
    }
  }

  /** Closes the connection; idempotent, safe at any time. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.isClosed = true;
      this.detachSignal();
      this.closing = this.text.close().catch(() => {});
    }
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
