// Conn over real loopback sockets: batching counted on the socket itself, and
// the peer misbehaving (closing mid-reply, an endless line) gives typed errors.

import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Conn, ConnectionClosedError, LineTooLongError } from "../src/index.js";
import { listen, onLines } from "./helpers.js";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function dial(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  cleanup.push(async () => {
    socket.destroy();
  });
  return socket;
}

describe("Conn on a real socket", () => {
  it("100 cmd() in one tick are ONE socket.write; 100 replies come back in order", async () => {
    const received: string[] = [];
    const server = await listen((socket) => {
      onLines(socket, (line) => {
        received.push(line);
        socket.write(`250 ${line}\r\n`);
      });
    });
    cleanup.push(server.close);
    const socket = await dial(server.port);
    let writes = 0;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((...args: unknown[]) => {
      writes++;
      return write(...args);
    }) as typeof socket.write;
    const conn = new Conn(socket);
    const replies = Array.from({ length: 100 }, (_, i) =>
      conn.cmd(`RCPT TO:<u${i}@example.org>`, 250),
    );
    const results = await Promise.all(replies);
    expect(writes).toBe(1);
    expect(results.map((r) => r.message)).toEqual(
      Array.from({ length: 100 }, (_, i) => `RCPT TO:<u${i}@example.org>`),
    );
    expect(received).toHaveLength(100);
    await conn.close();
  });

  it("the server closing mid-reply rejects with ConnectionClosedError, no hang", async () => {
    const server = await listen((socket) => socket.end("250-partial\r\n250-still going\r\n"));
    cleanup.push(server.close);
    const conn = new Conn(await dial(server.port));
    const error = await conn.expect(250).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe("unexpected EOF");
    await conn.close();
  });

  it("a server reset mid-reply rejects with ConnectionClosedError", async () => {
    const server = await listen((socket) => {
      onLines(socket, () => socket.write("250-partial\r\n", () => socket.resetAndDestroy()));
    });
    cleanup.push(server.close);
    const conn = new Conn(await dial(server.port));
    const error = await conn.cmd("NOOP", 250).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    conn.destroy();
  });

  it("1 MiB without a line end: LineTooLongError, the socket keeps flowing", async () => {
    const server = await listen((socket) => {
      socket.write(Buffer.alloc(1024 * 1024, 0x78));
      socket.write("\r\n250 after the flood\r\n");
    });
    cleanup.push(server.close);
    const conn = new Conn(await dial(server.port));
    expect(await conn.expect(250).catch((e: unknown) => e)).toBeInstanceOf(LineTooLongError);
    expect(await conn.expect(250)).toEqual({ code: 250, message: "after the flood" });
    await conn.close();
  });

  it("close() resolves once the socket is closed, and is idempotent", async () => {
    const server = await listen(() => {});
    cleanup.push(server.close);
    const socket = await dial(server.port);
    const conn = new Conn(socket);
    await Promise.all([conn.close(), conn.close()]);
    expect(socket.destroyed).toBe(true);
  });
});
