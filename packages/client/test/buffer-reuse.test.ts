// The dot encoder's output buffers are reused on the sockets the client makes (textproto
// Writer, recycleBuffers) and never on a caller's own Duplex. Both must leave every byte
// of a long dot-stuffed body as it was: checked against smtp-server over plain TCP,
// STARTTLS and implicit TLS, and against a Duplex that keeps the very bytes it is given.

import { createHash } from "node:crypto";
import { Duplex, Readable } from "node:stream";
import { makeTestPki } from "@smtp/test-certs";
import { describe, expect, it } from "vitest";
import { dial, newClient } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { startServer } from "./helpers/server.js";

const defer = useCleanup();
const CHUNK = 64 * 1024;
const envelope = { from: "a@example.org", to: ["b@example.org"] };

/** `count` chunks of CRLF lines, every fourth one dot-led, no two chunks alike. */
function body(count: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let c = 0; c < count; c++) {
    let text = "";
    for (let n = 0; text.length < CHUNK - 80; n++) {
      text += `${n % 4 === 0 ? "." : ""}line ${n} of chunk ${c}\r\n`;
    }
    chunks.push(Buffer.from(text, "latin1"));
  }
  return chunks;
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("a 4 MiB dot-stuffed stream through the client's own sockets", () => {
  it("over plain TCP, stored byte-exact", async () => {
    const server = await startServer();
    defer(() => server.close());
    const client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    const chunks = body(64);
    const result = await client.send(envelope, Readable.from(chunks));
    expect(result.reply.code).toBe(250);
    expect(sha(server.messages[0]!.body)).toBe(sha(Buffer.concat(chunks)));
  });

  it("over STARTTLS and over implicit TLS, stored byte-exact", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const starttls = await startServer({ tls: localhost });
    defer(() => starttls.close());
    const implicit = await startServer({ secure: true, tls: localhost });
    defer(() => implicit.close());
    const chunks = body(64);

    const upgraded = await dial(starttls.address, { localName: "client.test" });
    defer(() => upgraded.close());
    await upgraded.startTls({ ca });
    expect((await upgraded.send(envelope, Readable.from(chunks))).reply.code).toBe(250);

    const secure = await dial(implicit.address, {
      localName: "client.test",
      tls: "implicit",
      tlsOptions: { ca },
    });
    defer(() => secure.close());
    expect((await secure.send(envelope, Readable.from(chunks))).reply.code).toBe(250);

    for (const server of [starttls, implicit]) {
      expect(server.messages[0]!.secure).toBe(true);
      expect(sha(server.messages[0]!.body)).toBe(sha(Buffer.concat(chunks)));
    }
  });
});

/** A transport that keeps each written chunk as it is (no copy) and answers from a script. */
class KeepingTransport extends Duplex {
  readonly writes: Uint8Array[] = [];
  constructor(script: string) {
    super();
    this.push(Buffer.from(script.split("\n").join("\r\n"), "latin1"));
  }
  override _read(): void {}
  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: () => void): void {
    this.writes.push(chunk);
    callback();
  }
}

describe("a caller's own Duplex", () => {
  it("keeps every chunk it was handed intact: nothing it holds is written over", async () => {
    const t = new KeepingTransport(
      "220 fake\n250 fake\n250 sender ok\n250 rcpt ok\n354 go ahead\n250 queued\n221 bye\n",
    );
    const client = await newClient(t, "fake.host", { localName: "client.test" });
    defer(() => client.close());
    const chunks = body(16);
    const result = await client.send(envelope, Readable.from(chunks));
    expect(result.reply.code).toBe(250);
    await client.quit();
    const wire = Buffer.concat(t.writes).toString("latin1");
    const start = wire.indexOf("DATA\r\n") + "DATA\r\n".length;
    const end = wire.indexOf("QUIT\r\n");
    const dotted = Buffer.concat(chunks).toString("latin1").replace(/^\./gm, "..");
    expect(sha(Buffer.from(wire.slice(start, end), "latin1"))).toBe(
      sha(Buffer.from(`${dotted}.\r\n`, "latin1")),
    );
  });
});
