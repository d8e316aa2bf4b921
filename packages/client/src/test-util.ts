// Test helpers for the transcript tests (not exported from the package).
//
// ScriptedTransport is Go's smtp_test.go `faker`: a Duplex whose read side holds the
// whole server script from the start and whose write side records every write the
// client makes, one entry per sink.write. The client reads replies in order, so the
// script can be given up front; the test then compares the bytes written with the
// expected client transcript, exactly, and can count writes to check pipelining.
import * as net from "node:net";
import { Duplex } from "node:stream";
import { afterEach } from "vitest";
import { Client, type ClientOptions, type InternalClientOptions } from "./client.js";

/** Go's tests write transcripts with "\n"; the wire has CRLF. */
export function crlf(text: string): string {
  return text.split("\n").join("\r\n");
}

export class ScriptedTransport extends Duplex {
  readonly writes: Buffer[] = [];

  constructor(serverScript: string) {
    super();
    if (serverScript !== "") this.push(Buffer.from(crlf(serverScript), "utf8"));
  }

  /** More server bytes, as if they arrived now. */
  send(text: string): void {
    this.push(Buffer.from(crlf(text), "utf8"));
  }

  /** Everything the client wrote. */
  get written(): string {
    return Buffer.concat(this.writes).toString("utf8");
  }

  override _read(): void {}

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.writes.push(Buffer.from(chunk));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }
}

export interface ScriptedSession {
  t: ScriptedTransport;
  c: Client;
  /** Each write the client made, as text: one entry is one write. */
  writes: () => string[];
}

/**
 * `session(server, host, options)`: a Client that has read the greeting and EHLO from
 * `server` on a ScriptedTransport. Call once at the top of a test file: every Client it
 * made is closed after each test.
 */
export function scriptedSessions(): (
  server: string,
  host?: string,
  options?: InternalClientOptions & ClientOptions,
) => Promise<ScriptedSession> {
  const open: Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return async (server, host = "fake.host", options = {}) => {
    const t = new ScriptedTransport(server);
    const c = await Client.create(t, host, options);
    open.push(c);
    return { t, c, writes: () => t.writes.map((w) => w.toString("utf8")) };
  };
}

export interface LoopbackServer {
  port: number;
  addr: string;
  /** Sockets the server accepted, for the test to drive and to check. */
  sockets: net.Socket[];
  /** What each accepted socket received. */
  received: string[];
  close(): Promise<void>;
}

/**
 * A real TCP server on 127.0.0.1:0 whose behaviour the test writes: `onConnection`
 * gets each socket and may greet, stall, answer or close.
 */
export async function loopbackServer(
  onConnection: (socket: net.Socket, index: number) => void,
): Promise<LoopbackServer> {
  const sockets: net.Socket[] = [];
  const received: string[] = [];
  const server = net.createServer((socket) => {
    const index = sockets.length;
    sockets.push(socket);
    received.push("");
    socket.on("data", (chunk) => {
      received[index] += chunk.toString("utf8");
    });
    socket.on("error", () => {});
    onConnection(socket, index);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    addr: `127.0.0.1:${port}`,
    sockets,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Lines of `received` up to now, for servers that answer line by line. */
export function onLines(socket: net.Socket, handler: (line: string) => void): void {
  let buffered = "";
  socket.on("data", (chunk) => {
    buffered += chunk.toString("utf8");
    for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      handler(line);
    }
  });
}

/** The names of active handles of the kinds a leaked connection or timer would leave. */
export function openHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((name) => name === "TCPSocketWrap" || name === "Timeout" || name === "TLSWrap");
}
