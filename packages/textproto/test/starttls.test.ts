// STARTTLS-style transport switch on real sockets with real TLS (RFC 3207): the
// server says 220, the client detaches, node:tls takes the raw socket over, the
// Conn is re-bound, and commands work over TLS. Nothing here is SMTP-specific
// beyond the shape of the exchange.

import { connect, type Socket } from "node:net";
import { TLSSocket, connect as tlsConnect } from "node:tls";
import { makeTestPki, type TestPki } from "@smtp/test-certs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conn } from "../src/index.js";
import { listen, onLines } from "./helpers.js";

let pki: TestPki;
beforeAll(async () => {
  pki = await makeTestPki();
});

/** A line server that upgrades to TLS on "STARTTLS"; `inject` is sent right after its 220. */
function startTlsServer(inject = "") {
  const seen: string[] = [];
  const serve = (socket: Socket) => {
    socket.write("220 plain greeting\r\n");
    const stop = onLines(socket, (line) => {
      seen.push(`plain: ${line}`);
      if (line === "STARTTLS") {
        stop();
        socket.write(`220 go ahead\r\n${inject}`);
        const secure = new TLSSocket(socket, {
          isServer: true,
          key: pki.server.key,
          cert: pki.server.cert,
        });
        secure.on("error", () => {});
        onLines(secure, (tlsLine) => {
          seen.push(`tls: ${tlsLine}`);
          if (tlsLine === "QUIT") secure.end("221 bye\r\n");
          else secure.write(`250 ${secure.getProtocol()} ${tlsLine}\r\n`);
        });
      }
    });
  };
  return { serve, seen };
}

async function dial(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

async function upgrade(raw: Socket): Promise<TLSSocket> {
  const secure = tlsConnect({ socket: raw, servername: "localhost", ca: pki.ca });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", reject);
  });
  return secure;
}

describe("detach / rebind over real TLS", () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it("commands work over TLS after the switch", async () => {
    const { serve, seen } = startTlsServer();
    const server = await listen(serve);
    servers.push(server);
    const raw = await dial(server.port);
    const conn = new Conn(raw);
    expect(await conn.expect(220)).toEqual({ code: 220, message: "plain greeting" });
    expect(await conn.cmd("STARTTLS", 220)).toEqual({ code: 220, message: "go ahead" });

    expect(conn.detach()).toBe(0);
    expect(raw.listenerCount("data")).toBe(0);
    const secure = await upgrade(raw);
    conn.rebind(secure);

    // Pipelined over TLS: both in one write, both replies in order.
    const [a, b] = await Promise.all([conn.cmd("EHLO again", 250), conn.cmd("NOOP", 250)]);
    expect(a.message).toMatch(/^TLSv1\.[23] EHLO again$/);
    expect(b.message).toMatch(/^TLSv1\.[23] NOOP$/);
    expect(await conn.cmd("QUIT", 221)).toEqual({ code: 221, message: "bye" });
    await conn.close();
    expect(seen).toEqual(["plain: STARTTLS", "tls: EHLO again", "tls: NOOP", "tls: QUIT"]);
  });

  it("detach() reports bytes injected after the 220 and drops them", async () => {
    const injected = "250 injected before the handshake\r\n";
    const { serve } = startTlsServer(injected);
    const server = await listen(serve);
    servers.push(server);
    const raw = await dial(server.port);
    const conn = new Conn(raw);
    await conn.expect(220);
    await conn.cmd("STARTTLS", 220);
    // The 220 and the injected line left the server in one write: both are buffered now.
    expect(conn.detach()).toBe(injected.length);
    expect(conn.reader.buffered).toBe(0);
    conn.destroy();
  });
});
