// A scriptable SMTP server on 127.0.0.1:0 for the hostile-server suite (issue 7).
//
// By default it is a small, correct ESMTP server: greeting, EHLO/HELO, STARTTLS (when
// given a certificate), AUTH PLAIN and LOGIN (any credentials), MAIL, RCPT, DATA with a
// correct dot decoder (@smtp/textproto's DotDecoder, RFC 5321 §4.5.2), BDAT (RFC 3030),
// RSET, NOOP, VRFY, QUIT. It records every byte each connection sent (`received(i)`),
// so a test can prove what did, and what did NOT, go on the wire, and it stores every
// message it accepted (`messages`), so a test can compare bytes.
//
// A `hook` turns it hostile: it is called at each step of a session before the
// default handling, with the command line and the session; when it returns true the
// default handling is skipped (the hook answered, stalled, closed, ...). Steps:
//   "connect"    a client connected; the default writes the 220 greeting
//   "EHLO" "HELO" "LHLO" "STARTTLS" "AUTH" "MAIL" "RCPT" "DATA" "BDAT" "RSET" "NOOP"
//   "VRFY" "QUIT" "unknown"          a command line arrived (the verb, upper-case)
//   "auth-line"  a line of an AUTH exchange after a 334 (a response, or "*")
//   "body"       a chunk of DATA body bytes was decoded (`session.bodyBytes` so far)
//   "dot"        the final "." arrived; the default stores the message and says 250
// Behaviours built on it live in behaviours.ts.

import { createServer, type Server, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { DotDecoder } from "@smtp/textproto";

export type Step =
  | "connect"
  | "EHLO"
  | "HELO"
  | "LHLO"
  | "STARTTLS"
  | "AUTH"
  | "auth-line"
  | "MAIL"
  | "RCPT"
  | "DATA"
  | "BDAT"
  | "body"
  | "dot"
  | "RSET"
  | "NOOP"
  | "VRFY"
  | "QUIT"
  | "unknown";

/** Returns true when it handled the step (the default handling is skipped). */
export type Hook = (step: Step, line: string, session: HostileSession) => boolean | undefined;

export interface KeyPair {
  key: string;
  cert: string;
}

export interface StoredMessage {
  connection: number;
  from: string;
  to: string[];
  body: Buffer;
}

export interface HostileServerOptions {
  /** EHLO keywords after the greeting line. Default PIPELINING 8BITMIME ENHANCEDSTATUSCODES. */
  extensions?: readonly string[];
  /** Certificate for STARTTLS; without it STARTTLS is answered 502. Advertise it yourself. */
  tls?: KeyPair;
  hook?: Hook;
}

const DEFAULT_EXTENSIONS = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"];
/** A command line longer than this without LF: the peer is not speaking SMTP. */
const MAX_COMMAND = 64 * 1024;

export class HostileSession {
  readonly index: number;
  /** Every byte this connection sent us, in order (decrypted after a STARTTLS upgrade). */
  readonly chunks: Buffer[] = [];
  /** Command lines (not body bytes, not AUTH responses). */
  readonly commands: string[] = [];
  socket: Socket;
  tls = false;
  /** "lines": commands; "data": a DATA body; "bdat": BDAT octets; "ignore": record only. */
  mode: "lines" | "data" | "bdat" | "ignore" = "lines";
  from: string | undefined;
  to: string[] = [];
  body: Buffer[] = [];
  bodyBytes = 0;
  /** Scratch space for hooks (per connection). */
  readonly state = new Map<string, unknown>();

  #server: HostileServerImpl;
  #pending: Buffer = Buffer.alloc(0);
  #decoder = new DotDecoder();
  #bdatLeft = 0;
  #bdatLast = false;
  #authLine: ((line: string) => void) | undefined;
  #dead = false;

  constructor(server: HostileServerImpl, socket: Socket, index: number) {
    this.#server = server;
    this.socket = socket;
    this.index = index;
  }

  get dead(): boolean {
    return this.#dead || this.socket.destroyed;
  }

  received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  write(data: string | Uint8Array): void {
    if (!this.dead) this.socket.write(data);
  }

  /** One reply; `text` may hold several lines separated by CRLF. */
  reply(text: string): void {
    this.write(`${text}\r\n`);
  }

  /** FIN after what was written. */
  close(): void {
    this.#dead = true;
    this.socket.end();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#dead = true;
    this.socket.destroy();
  }

  /** Stops parsing: from now on bytes are only recorded (e.g. a TLS ClientHello). */
  ignoreInput(): void {
    this.mode = "ignore";
  }

  /** Stores the message being received as accepted (what the default "dot" does). */
  store(): StoredMessage {
    const message: StoredMessage = {
      connection: this.index,
      from: this.from ?? "",
      to: this.to,
      body: Buffer.concat(this.body),
    };
    this.#server.messages.push(message);
    this.resetTransaction();
    return message;
  }

  resetTransaction(): void {
    this.from = undefined;
    this.to = [];
    this.body = [];
    this.bodyBytes = 0;
  }

  /** Upgrades to TLS with the server's certificate (after writing the 220 yourself). */
  upgrade(): void {
    const pair = this.#server.options.tls;
    if (pair === undefined) throw new Error("the hostile server has no certificate");
    const plain = this.socket;
    plain.removeAllListeners("data");
    this.#pending = Buffer.alloc(0);
    const secure = new TLSSocket(plain, { isServer: true, key: pair.key, cert: pair.cert });
    this.#server.track(secure);
    secure.on("error", () => {});
    secure.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket = secure as Socket;
    this.tls = true;
  }

  /** @internal */
  start(): void {
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    if (this.#hook("connect", "")) return;
    this.reply("220 hostile.test ESMTP ready");
  }

  #hook(step: Step, line: string): boolean {
    return this.#server.options.hook?.(step, line, this) === true;
  }

  /** @internal */
  onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    let input = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = Buffer.alloc(0);
    while (input.length > 0 && !this.dead) {
      if (this.mode === "ignore") return;
      if (this.mode === "data") {
        const result = this.#decoder.decode(input);
        if (result.data.length > 0) {
          this.body.push(Buffer.from(result.data));
          this.bodyBytes += result.data.length;
          if (this.#hook("body", "")) return;
        }
        input = input.subarray(result.consumed);
        if (!result.done) return;
        this.mode = "lines";
        this.#decoder = new DotDecoder();
        if (this.#hook("dot", ".")) continue;
        const stored = this.store();
        this.reply(`250 2.0.0 queued as ${this.#server.messages.indexOf(stored)}`);
        continue;
      }
      if (this.mode === "bdat") {
        const take = Math.min(this.#bdatLeft, input.length);
        this.body.push(Buffer.from(input.subarray(0, take)));
        this.bodyBytes += take;
        this.#bdatLeft -= take;
        input = input.subarray(take);
        if (this.#bdatLeft === 0) this.#endChunk();
        continue;
      }
      const lf = input.indexOf(0x0a);
      if (lf < 0) {
        if (input.length > MAX_COMMAND) this.destroy();
        else this.#pending = Buffer.from(input);
        return;
      }
      const end = lf > 0 && input[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = input.subarray(0, end).toString("latin1");
      input = input.subarray(lf + 1);
      this.#line(line);
    }
  }

  #line(line: string): void {
    const auth = this.#authLine;
    if (auth !== undefined) {
      this.#authLine = undefined;
      if (this.#hook("auth-line", line)) return;
      if (line === "*") this.reply("501 5.7.0 AUTH cancelled");
      else auth(line);
      return;
    }
    this.commands.push(line);
    const word = line.split(" ", 1)[0]?.toUpperCase() ?? "";
    const step: Step = KNOWN.has(word) ? (word as Step) : "unknown";
    if (this.#hook(step, line)) return;
    this.#default(step, line);
  }

  #default(step: Step, line: string): void {
    const extensions = this.#server.options.extensions ?? DEFAULT_EXTENSIONS;
    switch (step) {
      case "EHLO":
      case "LHLO": {
        const lines = [
          "hostile.test greets you",
          ...extensions.filter((e) => !(this.tls && e === "STARTTLS")),
        ];
        this.reply(
          lines.map((l, i) => `250${i === lines.length - 1 ? " " : "-"}${l}`).join("\r\n"),
        );
        this.resetTransaction();
        return;
      }
      case "HELO":
        this.reply("250 hostile.test");
        return;
      case "STARTTLS":
        if (this.#server.options.tls === undefined || this.tls) {
          this.reply("502 5.5.1 no STARTTLS here");
          return;
        }
        this.reply("220 2.0.0 ready to start TLS");
        this.upgrade();
        return;
      case "AUTH":
        this.#auth(line);
        return;
      case "MAIL": {
        const from = /^MAIL FROM:<([^>]*)>/i.exec(line)?.[1];
        if (from === undefined) this.reply("501 5.5.4 syntax");
        else {
          this.resetTransaction();
          this.from = from;
          this.reply("250 2.1.0 sender ok");
        }
        return;
      }
      case "RCPT": {
        const to = /^RCPT TO:<([^>]*)>/i.exec(line)?.[1];
        if (to === undefined) this.reply("501 5.5.4 syntax");
        else if (this.from === undefined) this.reply("503 5.5.1 need MAIL");
        else {
          this.to.push(to);
          this.reply("250 2.1.5 recipient ok");
        }
        return;
      }
      case "DATA":
        if (this.to.length === 0) {
          this.reply("503 5.5.1 need RCPT");
          return;
        }
        this.mode = "data";
        this.reply("354 end with <CRLF>.<CRLF>");
        return;
      case "BDAT": {
        const bdat = /^BDAT (\d+)( LAST)?$/i.exec(line);
        if (bdat === null) {
          this.reply("501 5.5.4 syntax");
          return;
        }
        this.#bdatLeft = Number(bdat[1]);
        this.#bdatLast = bdat[2] !== undefined;
        if (this.#bdatLeft === 0) this.#endChunk();
        else this.mode = "bdat";
        return;
      }
      case "RSET":
        this.resetTransaction();
        this.reply("250 2.0.0 ok");
        return;
      case "NOOP":
      case "VRFY":
        this.reply("250 2.0.0 ok");
        return;
      case "QUIT":
        this.reply("221 2.0.0 bye");
        this.close();
        return;
      default:
        this.reply("500 5.5.2 unknown command");
    }
  }

  #endChunk(): void {
    this.mode = "lines";
    if (!this.#bdatLast) {
      this.reply("250 2.0.0 chunk ok");
      return;
    }
    if (this.from === undefined || this.to.length === 0) {
      this.resetTransaction();
      this.reply("503 5.5.1 need MAIL and RCPT");
      return;
    }
    const stored = this.store();
    this.reply(`250 2.0.0 queued as ${this.#server.messages.indexOf(stored)}`);
  }

  #auth(line: string): void {
    const [, mechanism = "", initial] = line.split(" ");
    switch (mechanism.toUpperCase()) {
      case "PLAIN":
        if (initial !== undefined) this.reply("235 2.7.0 authenticated");
        else {
          this.reply("334 ");
          this.#authLine = () => this.reply("235 2.7.0 authenticated");
        }
        return;
      case "LOGIN":
        this.reply("334 VXNlcm5hbWU6");
        this.#authLine = () => {
          this.reply("334 UGFzc3dvcmQ6");
          this.#authLine = () => this.reply("235 2.7.0 authenticated");
        };
        return;
      default:
        this.reply("504 5.5.4 mechanism not supported");
    }
  }

  /** @internal The next line is an AUTH response: `handle` answers it (for hooks). */
  expectAuthLine(handle: (line: string) => void): void {
    this.#authLine = handle;
  }
}

const KNOWN = new Set<string>([
  "EHLO",
  "HELO",
  "LHLO",
  "STARTTLS",
  "AUTH",
  "MAIL",
  "RCPT",
  "DATA",
  "BDAT",
  "RSET",
  "NOOP",
  "VRFY",
  "QUIT",
]);

export interface HostileServer {
  readonly address: string;
  readonly port: number;
  readonly sessions: readonly HostileSession[];
  readonly messages: readonly StoredMessage[];
  /** Every byte connection `index` sent (default: the first connection). */
  received(index?: number): Buffer;
  /** Every byte of every connection. */
  receivedAll(): Buffer;
  close(): Promise<void>;
}

/** @internal */
export class HostileServerImpl implements HostileServer {
  readonly options: HostileServerOptions;
  readonly sessions: HostileSession[] = [];
  readonly messages: StoredMessage[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  #port = 0;

  constructor(options: HostileServerOptions) {
    this.options = options;
    this.#server = createServer((socket) => {
      socket.setNoDelay(true);
      this.track(socket);
      socket.on("error", () => {});
      const session = new HostileSession(this, socket, this.sessions.length);
      this.sessions.push(session);
      session.start();
    });
  }

  track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#port = (this.#server.address() as { port: number }).port;
  }

  get port(): number {
    return this.#port;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  received(index = 0): Buffer {
    return this.sessions[index]?.received() ?? Buffer.alloc(0);
  }

  receivedAll(): Buffer {
    return Buffer.concat(this.sessions.map((s) => s.received()));
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      for (const socket of this.#sockets) socket.destroy();
      this.#server.close(() => resolve());
    });
  }
}

export async function startHostileServer(
  options: HostileServerOptions = {},
): Promise<HostileServer> {
  const server = new HostileServerImpl(options);
  await server.listen();
  return server;
}
