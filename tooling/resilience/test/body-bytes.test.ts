// A body with "\r\n.\r\n", lone dots, dot-led lines, bare CR and bare LF arrives at the
// server byte-exact as intended (issue 7). Two independent decoders read what arrived:
// the hostile server (with @smtp/textproto's DotDecoder) and the npm smtp-server. And the
// old smuggling trick, a "." line followed by a second transaction inside one body, yields
// ONE message holding all of it.

import { dial } from "@smtp/client";
import { sendMail } from "@smtp/send";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../packages/client/test/helpers/server.js";
import { startHostileServer } from "../src/hostile-server.js";
import { guardEachTest } from "./support/guards.js";
import { inChunks, intendedDataBody } from "./support/intended.js";

const defer = guardEachTest();

const SMUGGLE =
  "Subject: one\r\n\r\nhi\r\n.\r\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\n";

const BODIES: [string, string | Uint8Array][] = [
  ["an end-of-data line inside", "a\r\n.\r\nb\r\n"],
  ["a smuggled second transaction", SMUGGLE],
  ["lone dots everywhere", ".\r\n.\r\n..\r\n.\r\n"],
  ["a leading dot", ".starts with a dot\r\n"],
  ["a bare LF end-of-data", "a\n.\nb\n"],
  ["bare CRs", "a\rb\r.\r\n\r.\r"],
  ["bare LFs and CRs mixed", "\n.\r\r\n.\n\r\n..\r"],
  ["no final line ending", "last line without CRLF."],
  ["a trailing bare CR", "ends in CR\r"],
  ["only a dot", "."],
  ["empty", ""],
  [
    "8-bit and NUL bytes",
    new Uint8Array([0xc3, 0xa9, 0x0d, 0x0a, 0x2e, 0x00, 0x2e, 0x0d, 0x0a, 0xff]),
  ],
];

const bytesOf = (body: string | Uint8Array) =>
  typeof body === "string" ? Buffer.from(body, "latin1") : Buffer.from(body);

describe("bodies arrive byte-exact (DATA, dot-stuffed)", () => {
  for (const [name, body] of BODIES) {
    it(`${name}: hostile server (DotDecoder), whole and in 1-byte chunks`, async () => {
      const s = await startHostileServer({ extensions: ["PIPELINING", "8BITMIME"] });
      defer(() => s.close());
      const c = await dial(s.address, { localName: "client.test" });
      defer(() => c.close());
      const envelope = { from: "a@example.org", to: ["b@example.org"] };
      await c.send(envelope, bytesOf(body));
      await c.send(envelope, inChunks(bytesOf(body), [1]));
      await c.send(envelope, inChunks(bytesOf(body), [2, 1, 3]));
      await c.quit();
      const intended = intendedDataBody(bytesOf(body));
      expect(s.messages.map((m) => m.body.toString("latin1"))).toEqual([
        intended.toString("latin1"),
        intended.toString("latin1"),
        intended.toString("latin1"),
      ]);
    });

    it(`${name}: smtp-server`, async () => {
      const s = await startServer();
      defer(() => s.close());
      const c = await dial(s.address, { localName: "client.test" });
      defer(() => c.close());
      await c.send(
        { from: "a@example.org", to: ["b@example.org"] },
        inChunks(bytesOf(body), [1, 4]),
      );
      await c.quit();
      expect(s.messages).toHaveLength(1);
      expect(s.messages[0]!.body.toString("latin1")).toBe(
        intendedDataBody(bytesOf(body)).toString("latin1"),
      );
    });
  }

  // The opt-out (Go's behaviour): a bare CR passes unchanged, through dial() and through
  // sendMail() (which must forward the option). Only the bodies with a bare CR before other
  // bytes (a trailing one ends as CRLF in both modes).
  for (const [name, body] of BODIES.filter(([, b]) => typeof b === "string" && /\r[^\n]/.test(b))) {
    it(`${name}, bareCr "pass": smtp-server, through dial() and sendMail()`, async () => {
      const s = await startServer();
      defer(() => s.close());
      const c = await dial(s.address, { localName: "client.test", bareCr: "pass" });
      defer(() => c.close());
      await c.send(
        { from: "a@example.org", to: ["b@example.org"] },
        inChunks(bytesOf(body), [1, 4]),
      );
      await c.quit();
      await sendMail(s.address, null, "a@example.org", ["b@example.org"], bytesOf(body), {
        tls: "none",
        bareCr: "pass",
        awaitQuit: true,
      });
      const intended = intendedDataBody(bytesOf(body), "pass").toString("latin1");
      expect(intended).not.toBe(intendedDataBody(bytesOf(body)).toString("latin1"));
      expect(s.messages.map((m) => m.body.toString("latin1"))).toEqual([intended, intended]);
    });
  }

  it("BDAT (CHUNKING) carries the bytes untouched, whatever they are", async () => {
    const s = await startHostileServer({
      extensions: ["PIPELINING", "CHUNKING", "BINARYMIME", "8BITMIME"],
    });
    defer(() => s.close());
    const c = await dial(s.address, { localName: "client.test" });
    defer(() => c.close());
    for (const [, body] of BODIES) {
      await c.send({ from: "a@example.org", to: ["b@example.org"], chunking: true }, bytesOf(body));
    }
    await c.quit();
    expect(s.messages.map((m) => m.body.toString("latin1"))).toEqual(
      BODIES.map(([, body]) => bytesOf(body).toString("latin1")),
    );
  });
});
