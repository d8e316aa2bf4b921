// Writer { recycleBuffers: true } over real loopback sockets: the dot encoder's output
// buffers are lent again only once the socket is done with them, so every byte arrives
// as encoded, also when the reader is slow and writes queue up in the socket, and
// across a rebind (STARTTLS) with writes still queued on the old socket.

import { createHash } from "node:crypto";
import { connect, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { DotEncoder, Writer } from "../src/index.js";
import { listen } from "./helpers.js";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

const CHUNK = 64 * 1024;

/** Chunk `c` of a body: CRLF lines, every fourth one dot-led, no two chunks alike. */
function chunkOf(c: number): Buffer {
  let text = "";
  for (let n = 0; text.length < CHUNK - 80; n++) {
    text += `${n % 4 === 0 ? "." : ""}line ${n} of chunk ${c}\r\n`;
  }
  return Buffer.from(text, "latin1");
}

function body(count: number): Buffer[] {
  return Array.from({ length: count }, (_, c) => chunkOf(c));
}

/**
 * Writes chunks without waiting until the socket holds writes back (its reader is
 * paused, and the kernel's buffers, several MiB on loopback, are full), then `more`
 * chunks; returns the chunks written.
 */
function fillUntilQueued(writer: Writer, encoder: DotEncoder, socket: Socket, more: number) {
  const chunks: Buffer[] = [];
  // Each flush not awaited here waits for 'drain' with its own listeners.
  socket.setMaxListeners(0);
  let after = -1;
  while (after < more) {
    const chunk = chunkOf(chunks.length);
    chunks.push(chunk);
    writer.writeDotted(encoder, chunk);
    void writer.flush().catch(() => {});
    if (after >= 0 || socket.writableLength > 0) after++;
    if (chunks.length > 4096) throw new Error("the socket never held a write back");
  }
  return chunks;
}

/** What the wire must carry: the chunks through a fresh encoder, terminator included. */
function expectedWire(chunks: Buffer[]): Buffer {
  const encoder = new DotEncoder();
  return Buffer.concat([...chunks.map((chunk) => encoder.encode(chunk)), encoder.end()]);
}

/** A DotEncoder that notes each output buffer it wrote into (not the chunks it passed on). */
class CountingEncoder extends DotEncoder {
  readonly buffers = new Set<ArrayBufferLike>();
  override encode(chunk: Uint8Array, allocate?: (size: number) => Uint8Array): Uint8Array {
    const out = super.encode(chunk, allocate);
    if (out !== chunk) this.buffers.add(out.buffer);
    return out;
  }
}

/** A server that keeps every byte; `paused` holds reading back until `resume()`. */
async function collector({ paused = false } = {}) {
  const received: Buffer[] = [];
  let peer: Socket | undefined;
  let ended: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const server = await listen((socket) => {
    peer = socket;
    if (paused) socket.pause();
    socket.on("data", (data: Buffer) => received.push(data));
    socket.on("end", () => ended());
  });
  cleanup.push(server.close);
  const socket = connect(server.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  cleanup.push(async () => {
    socket.destroy();
  });
  // The accept callback can run a little after the client's connect.
  while (peer === undefined) await new Promise((resolve) => setImmediate(resolve));
  return {
    socket,
    resume: () => peer!.resume(),
    /** Ends the client's side and resolves with all the server got. */
    bytes: async () => {
      socket.end();
      await done;
      return Buffer.concat(received);
    },
  };
}

/** Each chunk dot-stuffed and flushed on its own, awaited, then the terminator. */
async function writeBody(writer: Writer, encoder: DotEncoder, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    writer.writeDotted(encoder, chunk);
    await writer.flush();
  }
  writer.writeBytes(encoder.end());
  await writer.flush();
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("Writer recycleBuffers on a real socket", () => {
  it("sends 8 MiB of dot-stuffed chunks byte-exact, through a few reused buffers", async () => {
    const chunks = body(128);
    const server = await collector();
    const writer = new Writer(server.socket, { recycleBuffers: true });
    const encoder = new CountingEncoder();
    await writeBody(writer, encoder, chunks);
    const got = await server.bytes();
    expect(sha(got)).toBe(sha(expectedWire(chunks)));
    // Every chunk had dots to stuff, so each one went into a lent buffer; a spare is
    // lent again once the socket has taken the last one. (Without recycling: 128.)
    expect(encoder.buffers.size).toBeLessThanOrEqual(8);
  });

  it("reuses no buffer the socket still holds: a reader that starts late gets every byte", async () => {
    const server = await collector({ paused: true });
    const writer = new Writer(server.socket, { recycleBuffers: true });
    const encoder = new DotEncoder();
    // 32 more chunks once writes queue up in the socket: each needs a buffer while
    // the ones before it are still the socket's.
    const chunks = fillUntilQueued(writer, encoder, server.socket, 32);
    writer.writeBytes(encoder.end());
    const last = writer.flush();
    server.resume();
    await last;
    const got = await server.bytes();
    const wire = expectedWire(chunks);
    expect(got.length).toBe(wire.length);
    expect(sha(got)).toBe(sha(wire));
  });

  it("after rebind, the old socket's queued writes stay intact while the new one is written", async () => {
    const first = await collector({ paused: true });
    const second = await collector();
    const writer = new Writer(first.socket, { recycleBuffers: true });
    const encoder = new DotEncoder();
    const chunks = fillUntilQueued(writer, encoder, first.socket, 4);
    writer.rebind(second.socket);
    for (let c = chunks.length; c < chunks.length + 64; c++) {
      const chunk = chunkOf(c);
      writer.writeDotted(encoder, chunk);
      await writer.flush();
    }
    const total = chunks.length + 64;
    writer.writeBytes(encoder.end());
    await writer.flush();
    first.resume();
    const gotFirst = await first.bytes();
    const gotSecond = await second.bytes();
    expect(sha(Buffer.concat([gotFirst, gotSecond]))).toBe(sha(expectedWire(body(total))));
  });
});

describe("Writer without recycleBuffers (the default)", () => {
  it("hands a PassThrough fresh bytes for every chunk: read after all writes, all intact", async () => {
    const chunks = body(16);
    const sink = new PassThrough({ highWaterMark: 64 * CHUNK });
    const writer = new Writer(sink);
    const encoder = new CountingEncoder();
    await writeBody(writer, encoder, chunks);
    sink.end();
    const read: Buffer[] = [];
    for await (const piece of sink) read.push(piece as Buffer);
    expect(sha(Buffer.concat(read))).toBe(sha(expectedWire(chunks)));
    expect(encoder.buffers.size).toBe(chunks.length);
  });
});
