// The whole SMTP transaction through the real client against the npm smtp-server on
// loopback: what the server received (envelope, parameters, exact body bytes).

import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  type Client,
  dial,
  ExtensionNotSupportedError,
  InvalidArgumentError,
  MessageTooLargeError,
  RecipientsRefusedError,
  SmtpReplyError,
} from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { replyError, startServer, type TestServerOptions } from "./helpers/server.js";

const defer = useCleanup();

async function setup(options: TestServerOptions = {}) {
  const server = await startServer(options);
  defer(() => server.close());
  const client: Client = await dial(server.address, { localName: "client.test" });
  defer(() => client.close());
  return { server, client };
}

const esmtp: TestServerOptions = { hideENHANCEDSTATUSCODES: false, hideDSN: false };

describe("a basic session", () => {
  it("sends EHLO lazily, then MAIL, RCPT, DATA and QUIT, and the server gets the message", async () => {
    const { server, client } = await setup();
    await client.mail("alice@example.org");
    await client.rcpt("bob@example.org");
    const writer = await client.data();
    await writer.write("Subject: hi\r\n\r\n");
    await writer.write("hello\r\n");
    const reply = await writer.close();
    expect(reply.code).toBe(250);
    await client.quit();
    expect(client.closed).toBe(true);

    expect(server.commands).toEqual([
      "EHLO client.test",
      // smtp-server advertises 8BITMIME and SMTPUTF8 by default: Go's parameters follow.
      "MAIL FROM:<alice@example.org> BODY=8BITMIME SMTPUTF8",
      "RCPT TO:<bob@example.org>",
      "DATA",
      "QUIT",
    ]);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.mailFrom.address).toBe("alice@example.org");
    expect(server.messages[0]!.rcptTo.map((r) => r.address)).toEqual(["bob@example.org"]);
    expect(server.messages[0]!.body.toString("latin1")).toBe("Subject: hi\r\n\r\nhello\r\n");
  });

  it("reports the extensions smtp-server advertised, keywords upper-case", async () => {
    const { client } = await setup({ ...esmtp, size: 1234 });
    const extensions = await client.extensions();
    expect([...extensions.keys()].sort()).toEqual(
      ["8BITMIME", "DSN", "ENHANCEDSTATUSCODES", "PIPELINING", "SIZE", "SMTPUTF8"].sort(),
    );
    expect(await client.extension("size")).toEqual([true, "1234"]);
    expect(await client.extension("STARTTLS")).toEqual([false, ""]);
  });

  it("carries enhanced status codes on replies when the server sends them", async () => {
    const { client } = await setup(esmtp);
    const reply = await client.mail("alice@example.org");
    expect(reply.code).toBe(250);
    expect(reply.enhancedCode).toBe("2.1.0");
    expect(reply.message).toMatch(/^2\.1\.0 /);
  });
});

describe("the body arrives byte-exact (RFC 5321 §4.5.2 dot-stuffing, line endings)", () => {
  // [name, body the caller gives, bytes the server must store]. Bare LF and bare CR become
  // CRLF (RFC 5321 §2.3.8, ClientOptions.bareCr), a line-start dot is doubled on the wire
  // and undone by the server.
  const cases: [string, string, string][] = [
    ["CRLF.CRLF inside the body", "a\r\n.\r\nb\r\n", "a\r\n.\r\nb\r\n"],
    ["a dot at the very start", ".x\r\n", ".x\r\n"],
    ["lone-dot lines", ".\r\n..\r\n...\r\n", ".\r\n..\r\n...\r\n"],
    ["bare LF normalised to CRLF", "a\nb\n.\nc\n", "a\r\nb\r\n.\r\nc\r\n"],
    ["bare CR made CRLF, a dot after it starts a line", "a\rb\r.c\r\n", "a\r\nb\r\n.c\r\n"],
    ["no final line break", "last line", "last line\r\n"],
    ["a body ending in a bare CR", "text\r", "text\r\n"],
    ["8-bit text", "caf\u00e9 \u4e2d\r\n", "caf\u00e9 \u4e2d\r\n"],
  ];

  it.each(cases)("%s (string body through send)", async (_name, body, stored) => {
    const { server, client } = await setup();
    const result = await client.send({ from: "a@example.org", to: ["b@example.org"] }, body);
    expect(result.reply.code).toBe(250);
    expect(server.messages[0]!.body.toString("utf8")).toBe(stored);
  });

  it("holds across chunk boundaries of a stream body", async () => {
    const { server, client } = await setup();
    // Every awkward split: inside CRLF, before a line-start dot, after a bare CR.
    const chunks = [
      "head\r",
      "\n",
      ".",
      "dot\r",
      "\n.",
      "\r\n",
      "bare\r",
      ".cr\n",
      ".",
      "\n",
      "end",
    ];
    const result = await client.send(
      { from: "a@example.org", to: ["b@example.org"] },
      Readable.from(chunks.map((c) => Buffer.from(c))),
    );
    expect(result.reply.code).toBe(250);
    expect(server.messages[0]!.body.toString("latin1")).toBe(
      "head\r\n.dot\r\n.\r\nbare\r\n.cr\r\n.\r\nend\r\n",
    );
  });

  it("streams a 256 KiB body full of dot lines, bare CRs and LFs intact", async () => {
    // Deterministic pseudo-random lines; the expected bytes are the same text with every
    // bare LF and bare CR turned into CRLF (the only change the wire may make).
    let seed = 42;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 1);
    const pieces = [".", "..", "x", "\r", "\n", "\r\n", ".\r\n", "\r\n.\r\n", "abc def", "\u00e9"];
    const parts: string[] = [];
    for (let length = 0; length < 256 * 1024; ) {
      const piece = pieces[next() % pieces.length]!;
      parts.push(piece);
      length += piece.length;
    }
    const text = `${parts.join("")}\r\n`;
    const expected = text.replace(/(?<!\r)\n/g, "\r\n").replace(/\r(?!\n)/g, "\r\n");
    const bytes = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + (next() % 5_000);
      chunks.push(bytes.subarray(at, at + size));
      at += size;
    }
    const { server, client } = await setup();
    const result = await client.send(
      { from: "a@example.org", to: ["b@example.org"] },
      Readable.from(chunks),
    );
    expect(result.reply.code).toBe(250);
    const stored = server.messages[0]!.body;
    expect(stored.length).toBe(Buffer.byteLength(expected));
    expect(stored.equals(Buffer.from(expected))).toBe(true);
  });

  it("takes a Uint8Array, a web ReadableStream and an async iterable", async () => {
    const { server, client } = await setup();
    const envelope = { from: "a@example.org", to: ["b@example.org"] };
    await client.send(envelope, new Uint8Array([0x2e, 0x0d, 0x0a, 0xc3, 0xa9, 0x0d, 0x0a]));
    await client.send(
      envelope,
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("web\r\n."));
          controller.enqueue(new TextEncoder().encode(".\r\n"));
          controller.close();
        },
      }),
    );
    await client.send(
      envelope,
      (async function* () {
        yield "it";
        yield new TextEncoder().encode("er\n.");
      })(),
    );
    expect(server.messages.map((m) => m.body.toString("utf8"))).toEqual([
      ".\r\n\u00e9\r\n",
      "web\r\n..\r\n",
      "iter\r\n.\r\n",
    ]);
  });
});

describe("pipelined transactions (RFC 2920)", () => {
  it("sends several messages on one connection, each with its recipients", async () => {
    const { server, client } = await setup();
    expect(await client.extension("PIPELINING")).toEqual([true, ""]);
    for (let i = 0; i < 5; i++) {
      const result = await client.send(
        { from: `s${i}@example.org`, to: [`r${i}a@example.org`, `r${i}b@example.org`] },
        `message ${i}\r\n`,
      );
      expect(result.accepted).toEqual([`r${i}a@example.org`, `r${i}b@example.org`]);
      expect(result.rejected).toEqual([]);
    }
    expect(server.messages.map((m) => m.body.toString())).toEqual(
      [0, 1, 2, 3, 4].map((i) => `message ${i}\r\n`),
    );
    expect(server.messages.map((m) => m.rcptTo.map((r) => r.address))).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`r${i}a@example.org`, `r${i}b@example.org`]),
    );
  });

  it("works the same without PIPELINING", async () => {
    const { server, client } = await setup({ hidePIPELINING: true });
    expect(await client.extension("PIPELINING")).toEqual([false, ""]);
    const result = await client.send(
      { from: "a@example.org", to: ["b@example.org", "c@example.org"] },
      "x\r\n",
    );
    expect(result.accepted).toEqual(["b@example.org", "c@example.org"]);
    expect(server.messages).toHaveLength(1);
  });
});

describe("a refused recipient", () => {
  const refusing: TestServerOptions = {
    ...esmtp,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("nobody"))
        callback(replyError(550, "5.1.1 no such user here"));
      else if (address.address.startsWith("later")) callback(replyError(451, "4.3.0 try later"));
      else callback();
    },
  };

  const abortCase = { from: "a@example.org", to: ["b@example.org", "nobody@example.org"] };

  function expectRefused(error: unknown) {
    expect(error).toBeInstanceOf(RecipientsRefusedError);
    const refused = error as RecipientsRefusedError;
    expect(refused.code).toBe("ERR_RECIPIENTS_REFUSED");
    expect(refused.replyCode).toBe(550);
    expect(refused.enhancedCode).toBe("5.1.1");
    expect(refused.temporary).toBe(false);
    expect(refused.recipients.map((r) => [r.address, r.ok, r.reply.code])).toEqual([
      ["b@example.org", true, 250],
      ["nobody@example.org", false, 550],
    ]);
  }

  it("aborts by default (Go's way): per-recipient results, nothing delivered", async () => {
    const { server, client } = await setup(refusing);
    expectRefused(await client.send(abortCase, "x\r\n").catch((e: unknown) => e));
    expect(server.messages).toEqual([]);
  });

  it("aborts before DATA without PIPELINING, and the session stays usable", async () => {
    const { server, client } = await setup({ ...refusing, hidePIPELINING: true });
    expectRefused(await client.send(abortCase, "x\r\n").catch((e: unknown) => e));
    expect(server.commands).not.toContain("DATA");
    const result = await client.send({ from: "a@example.org", to: ["b@example.org"] }, "y\r\n");
    expect(result.reply.code).toBe(250);
    expect(server.messages.map((m) => m.body.toString())).toEqual(["y\r\n"]);
  });

  it("keeps the session usable after an abort with PIPELINING (contract: fails before DATA)", async () => {
    // docs/client-api.md: "abort": any refused recipient fails the transaction before DATA.
    const { server, client } = await setup(refusing);
    expectRefused(await client.send(abortCase, "x\r\n").catch((e: unknown) => e));
    const result = await client.send({ from: "a@example.org", to: ["b@example.org"] }, "y\r\n");
    expect(result.reply.code).toBe(250);
    expect(server.messages.map((m) => m.body.toString())).toEqual(["y\r\n"]);
  });

  it('sends to the accepted ones with onRecipientRefused: "continue", per-recipient results', async () => {
    const { server, client } = await setup(refusing);
    const result = await client.send(
      {
        from: "a@example.org",
        to: ["b@example.org", "nobody@example.org", "later@example.org", "c@example.org"],
        onRecipientRefused: "continue",
      },
      "x\r\n",
    );
    expect(result.accepted).toEqual(["b@example.org", "c@example.org"]);
    expect(
      result.recipients.map((r) => [r.address, r.ok, r.reply.code, r.reply.enhancedCode]),
    ).toEqual([
      ["b@example.org", true, 250, "2.1.5"],
      ["nobody@example.org", false, 550, "5.1.1"],
      ["later@example.org", false, 451, "4.3.0"],
      ["c@example.org", true, 250, "2.1.5"],
    ]);
    expect(result.rejected.map((r) => r.address)).toEqual([
      "nobody@example.org",
      "later@example.org",
    ]);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]!.rcptTo.map((r) => r.address)).toEqual([
      "b@example.org",
      "c@example.org",
    ]);
  });

  it('fails without sending a body when every recipient is refused, even with "continue"', async () => {
    const { server, client } = await setup(refusing);
    const error = await client
      .send(
        { from: "a@example.org", to: ["nobody@example.org"], onRecipientRefused: "continue" },
        "x\r\n",
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecipientsRefusedError);
    // With PIPELINING a DATA may be on the wire already; the server refuses it (no
    // recipient) and no body follows (RFC 2920 §3.1). The session stays usable.
    expect(server.messages).toEqual([]);
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "y\r\n");
    expect(server.messages.map((m) => m.body.toString())).toEqual(["y\r\n"]);
  });

  it("rcpt() on its own rejects with the reply, enhanced code included", async () => {
    const { client } = await setup(refusing);
    await client.mail("a@example.org");
    const error = await client.rcpt("nobody@example.org").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(550);
    expect((error as SmtpReplyError).enhancedCode).toBe("5.1.1");
    expect((error as SmtpReplyError).command).toBe("RCPT TO:<nobody@example.org>");
  });

  it("a refusal of the message after the dot is a reply error with its enhanced code", async () => {
    const { client } = await setup({
      ...esmtp,
      dataReply: () => replyError(554, "5.6.0 content refused"),
    });
    const error = await client
      .send({ from: "a@example.org", to: ["b@example.org"] }, "x\r\n")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(554);
    expect((error as SmtpReplyError).enhancedCode).toBe("5.6.0");
  });
});

describe("a refused sender", () => {
  it.each([
    ["with PIPELINING (DATA already in the batch)", false],
    ["without PIPELINING", true],
  ])("is a reply error naming MAIL, %s, and the session goes on", async (_name, hide) => {
    const { server, client } = await setup({
      ...esmtp,
      hidePIPELINING: hide,
      onMailFrom(address, _session, callback) {
        if (address.address.startsWith("blocked")) callback(replyError(550, "5.7.1 not you"));
        else callback();
      },
    });
    const error = await client
      .send({ from: "blocked@example.org", to: ["b@example.org"] }, "x\r\n")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(550);
    expect((error as SmtpReplyError).command).toBe(
      "MAIL FROM:<blocked@example.org> BODY=8BITMIME SMTPUTF8",
    );
    expect(server.messages).toEqual([]);
    const result = await client.send({ from: "a@example.org", to: ["b@example.org"] }, "y\r\n");
    expect(result.reply.code).toBe(250);
    expect(server.messages.map((m) => m.body.toString())).toEqual(["y\r\n"]);
  });
});

describe("SIZE (RFC 1870)", () => {
  it("declares the size the caller gives", async () => {
    const { server, client } = await setup({ size: 1000 });
    await client.mail("a@example.org", { size: 999 });
    expect(server.commands.at(-1)).toBe(
      "MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 SIZE=999",
    );
  });

  it("declares the size as transmitted, bare LFs counted as CRLF (RFC 1870 message size)", async () => {
    // RFC 1870: "the number of octets, including CR-LF pairs, but not the SMTP DATA
    // command's terminating dot or doubled quoting dots, to be transmitted".
    const { server, client } = await setup({ size: 100_000 });
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "a\nb\n.c\n");
    const stored = server.messages[0]!.body; // "a\r\nb\r\n.c\r\n": 10 octets
    expect(stored.toString()).toBe("a\r\nb\r\n.c\r\n");
    expect(server.commands[1]).toBe(
      `MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 SIZE=${stored.length}`,
    );
  });

  it("refuses a message over the advertised limit locally: no MAIL is sent", async () => {
    const { server, client } = await setup({ size: 1000 });
    await expect(client.mail("a@example.org", { size: 1001 })).rejects.toThrow(
      MessageTooLargeError,
    );
    const error = await client
      .send({ from: "a@example.org", to: ["b@example.org"] }, "x".repeat(2000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).code).toBe("ERR_MESSAGE_TOO_LARGE");
    expect(server.commands).toEqual(["EHLO client.test"]);
  });

  it("lets the server refuse a body that is over the limit but was not declared", async () => {
    const { server, client } = await setup({
      size: 100,
      rejectOversized: true,
    } as TestServerOptions);
    const error = await client
      .send(
        { from: "a@example.org", to: ["b@example.org"] },
        Readable.from([Buffer.from("y".repeat(300))]),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(552);
    expect(server.messages).toHaveLength(1); // smtp-server hands it to onData, then refuses
  });
});

describe("SMTPUTF8 (RFC 6531)", () => {
  it("delivers a non-ASCII sender and recipient", async () => {
    const { server, client } = await setup();
    await client.send(
      { from: "josé@exämple.org", to: ["用户@例子.广告"] },
      "Subject: ü\r\n\r\nü\r\n",
    );
    expect(server.commands[1]).toBe("MAIL FROM:<josé@exämple.org> BODY=8BITMIME SMTPUTF8");
    expect(server.messages[0]!.smtpUtf8).toBe(true);
    expect(server.messages[0]!.mailFrom.address).toBe("josé@exämple.org");
    expect(server.messages[0]!.rcptTo[0]!.address).toBe("用户@例子.广告");
    expect(server.messages[0]!.body.toString("utf8")).toBe("Subject: ü\r\n\r\nü\r\n");
  });

  it("refuses a non-ASCII address locally when SMTPUTF8 is not advertised", async () => {
    const { server, client } = await setup({ hideSMTPUTF8: true });
    await expect(client.mail("josé@example.org")).rejects.toThrow(ExtensionNotSupportedError);
    const error = await client
      .send({ from: "a@example.org", to: ["用户@example.org"] }, "x\r\n")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtensionNotSupportedError);
    expect((error as Error).message).toContain("SMTPUTF8");
    expect(server.commands).toEqual(["EHLO client.test"]);
  });
});

describe("DSN (RFC 3461) parameters are received as sent", () => {
  it("RET, ENVID, NOTIFY and ORCPT, xtext-encoded on the wire and decoded by the server", async () => {
    const { server, client } = await setup(esmtp);
    await client.send(
      {
        from: "a@example.org",
        to: [
          {
            address: "b@example.org",
            options: { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;b+x@example.org" },
          },
          { address: "c@example.org", options: { notify: "NEVER" } },
          { address: "d@example.org", options: { orcpt: "orig=d@example.org" } },
        ],
        mailOptions: { ret: "HDRS", envId: "id+1 = x" },
      },
      "x\r\n",
    );
    expect(server.commands.slice(1, 5)).toEqual([
      "MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1+20+3D+20x",
      "RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.org",
      "RCPT TO:<c@example.org> NOTIFY=NEVER",
      "RCPT TO:<d@example.org> ORCPT=rfc822;orig+3Dd@example.org",
    ]);
    const message = server.messages[0]!;
    expect(message.dsn).toEqual({ ret: "HDRS", envid: "id+1 = x" });
    expect(message.rcptTo.map((r) => r.dsn)).toEqual([
      { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;b+x@example.org" },
      { notify: ["NEVER"] },
      { orcpt: "rfc822;orig=d@example.org" },
    ]);
  });

  it("refuses DSN options locally when DSN is not advertised", async () => {
    const { server, client } = await setup();
    await expect(client.mail("a@example.org", { ret: "FULL" })).rejects.toThrow(
      ExtensionNotSupportedError,
    );
    await expect(
      client.send(
        { from: "a@example.org", to: [{ address: "b@example.org", options: { notify: "NEVER" } }] },
        "x\r\n",
      ),
    ).rejects.toThrow(ExtensionNotSupportedError);
    expect(server.commands).toEqual(["EHLO client.test"]);
  });
});

describe("arguments are checked before anything is written", () => {
  it.each([
    ["CR LF in the sender", () => ({ from: "a@example.org\r\nRSET", to: ["b@example.org"] })],
    ["NUL in a recipient", () => ({ from: "a@example.org", to: ["b\0@example.org"] })],
    [
      "a path break in a recipient",
      () => ({ from: "a@example.org", to: ["b@example.org> NOTIFY=NEVER"] }),
    ],
    [
      "CR LF in ENVID",
      () => ({ from: "a@example.org", to: ["b@example.org"], mailOptions: { envId: "x\r\nQUIT" } }),
    ],
    [
      "CR LF in ORCPT",
      () => ({
        from: "a@example.org",
        to: [{ address: "b@example.org", options: { orcpt: "rfc822;x\nQUIT" } }],
      }),
    ],
  ])("%s", async (_name, envelope) => {
    const { server, client } = await setup(esmtp);
    await client.noop(); // the session is open and EHLO was sent
    const before = server.commands.length;
    await expect(client.send(envelope(), "x\r\n")).rejects.toThrow(InvalidArgumentError);
    await client.noop();
    expect(server.commands.slice(before)).toEqual(["NOOP"]);
    expect(server.messages).toEqual([]);
  });
});
