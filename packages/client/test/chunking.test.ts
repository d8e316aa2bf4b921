// CHUNKING / BDAT (RFC 3030) and BINARYMIME. The npm smtp-server has no BDAT (see
// helpers/scripted-server.ts), so these run against a small scripted server that reads exactly
// the announced octets and records the raw bytes.

import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type Client, dial, ExtensionNotSupportedError, SmtpReplyError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { type ScriptedServerOptions, startScriptedServer } from "./helpers/scripted-server.js";

const defer = useCleanup();

async function setup(options: ScriptedServerOptions = {}) {
  const server = await startScriptedServer(options);
  defer(() => server.close());
  const client: Client = await dial(server.address, { localName: "client.test" });
  defer(() => client.close());
  return { server, client };
}

// Every byte value, and the sequences DATA would have to escape or would mangle.
const BINARY = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from("\r\n.\r\n.\n\r.\r\r\n..\0\r\n"),
]);

describe("CHUNKING", () => {
  it("sends the body with BDAT, untouched: no dot-stuffing, no line-ending change", async () => {
    const { server, client } = await setup();
    const body = "line one\r\n.dot line\r\n.\r\nlast\r\n";
    const result = await client.send(
      { from: "a@example.org", to: ["b@example.org"], chunking: true },
      body,
    );
    expect(result.reply.code).toBe(250);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.body.toString("latin1")).toBe(body);
    expect(server.chunks.at(-1)!.last).toBe(true);
    expect(server.chunks.reduce((n, c) => n + c.size, 0)).toBe(Buffer.byteLength(body));
    expect(server.commands).not.toContain("DATA");
    // The framing on the wire: "BDAT n" then exactly n octets (the server parsed it so).
    const first = server.chunks[0]!;
    expect(server.raw().toString("latin1")).toContain(
      `BDAT ${first.size}${first.last ? " LAST" : ""}\r\n${body.slice(0, first.size)}`,
    );
  });

  it("sends a BINARYMIME body byte-exact across many chunks of a stream", async () => {
    const { server, client } = await setup();
    const parts = Array.from({ length: 40 }, () => BINARY);
    const whole = Buffer.concat(parts);
    const result = await client.send(
      {
        from: "a@example.org",
        to: ["b@example.org", "c@example.org"],
        chunking: true,
        mailOptions: { body: "BINARYMIME" },
      },
      Readable.from(parts),
    );
    expect(result.accepted).toEqual(["b@example.org", "c@example.org"]);
    expect(server.commands.find((c) => c.startsWith("MAIL"))).toBe(
      "MAIL FROM:<a@example.org> BODY=BINARYMIME SMTPUTF8",
    );
    expect(server.messages[0]!.body.equals(whole)).toBe(true);
    expect(server.chunks.filter((c) => c.last)).toHaveLength(1);
    expect(server.chunks.at(-1)!.last).toBe(true);
  });

  it("sends an empty body as BDAT 0 LAST", async () => {
    const { server, client } = await setup();
    await client.send({ from: "a@example.org", to: ["b@example.org"], chunking: true }, "");
    expect(server.messages[0]!.body.length).toBe(0);
    expect(server.commands).toContain("BDAT 0 LAST");
  });

  it("keeps several chunked transactions in step on one connection", async () => {
    const { server, client } = await setup();
    for (let i = 0; i < 3; i++) {
      await client.send(
        { from: "a@example.org", to: [`r${i}@example.org`], chunking: true },
        `message ${i}\r\n`,
      );
    }
    expect(server.messages.map((m) => [m.to, m.body.toString()])).toEqual([
      [["r0@example.org"], "message 0\r\n"],
      [["r1@example.org"], "message 1\r\n"],
      [["r2@example.org"], "message 2\r\n"],
    ]);
  });

  it.each([
    ["with PIPELINING", ["PIPELINING", "CHUNKING"]],
    ["without PIPELINING", ["CHUNKING"]],
  ])("splits a large body into several BDAT chunks, %s", async (_name, extensions) => {
    const { server, client } = await setup({ extensions });
    const body = Buffer.alloc(300 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    await client.send({ from: "a@example.org", to: ["b@example.org"], chunking: true }, body);
    expect(server.chunks.length).toBeGreaterThan(1);
    expect(server.chunks.slice(0, -1).every((c) => !c.last)).toBe(true);
    expect(server.chunks.at(-1)!.last).toBe(true);
    expect(server.messages[0]!.body.equals(body)).toBe(true);
  });

  it.each([
    ["with PIPELINING", ["PIPELINING", "CHUNKING", "ENHANCEDSTATUSCODES"]],
    ["without PIPELINING", ["CHUNKING", "ENHANCEDSTATUSCODES"]],
  ])(
    "a refused chunk fails the message, %s, and the session goes on",
    async (_name, extensions) => {
      const { server, client } = await setup({ extensions, refuseChunk: 1 });
      const body = Buffer.alloc(300 * 1024, 0x61);
      const error = await client
        .send({ from: "a@example.org", to: ["b@example.org"], chunking: true }, body)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmtpReplyError);
      expect((error as SmtpReplyError).replyCode).toBe(552);
      expect((error as SmtpReplyError).enhancedCode).toBe("5.3.4");
      expect((error as SmtpReplyError).command).toMatch(/^BDAT \d+( LAST)?$/);
      expect(server.messages).toEqual([]);
      const result = await client.send(
        { from: "a@example.org", to: ["b@example.org"], chunking: true },
        "next\r\n",
      );
      expect(result.reply.code).toBe(250);
      expect(server.messages.map((m) => m.body.toString())).toEqual(["next\r\n"]);
    },
  );

  it("sends no BDAT when every recipient is refused", async () => {
    const { server, client } = await setup({ refuse: ["nobody@example.org"] });
    await expect(
      client.send({ from: "a@example.org", to: ["nobody@example.org"], chunking: true }, "x\r\n"),
    ).rejects.toThrow();
    expect(server.commands.some((c) => c.startsWith("BDAT"))).toBe(false);
    expect(server.messages).toEqual([]);
  });

  it("refuses BINARYMIME locally without CHUNKING", async () => {
    const { server, client } = await setup({
      extensions: ["PIPELINING", "BINARYMIME", "8BITMIME"],
    });
    await expect(
      client.send(
        { from: "a@example.org", to: ["b@example.org"], mailOptions: { body: "BINARYMIME" } },
        BINARY,
      ),
    ).rejects.toThrow(ExtensionNotSupportedError);
    expect(server.commands).toEqual(["EHLO client.test"]);
  });
});
