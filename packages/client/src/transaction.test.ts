// Transcript tests for send(): pipelining (RFC 2920), per-recipient results, CHUNKING
// (RFC 3030), LMTP (RFC 2033) and streamed bodies. Every write the client makes is
// recorded, so "one write" is checked as one entry, not inferred.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  MessageTooLargeError,
  RecipientsRefusedError,
  SmtpError,
  SmtpReplyError,
} from "./errors.js";
import { crlf, scriptedSessions } from "./test-util.js";

const session = scriptedSessions();

const PIPELINING = "220 hi\n250-mx\n250 PIPELINING\n";

describe("send() with PIPELINING", () => {
  it("writes MAIL, every RCPT and DATA in one write and maps each reply to its recipient", async () => {
    const { c, writes } = await session(
      `${PIPELINING}250 sender ok\n250 a ok\n550 5.1.1 b unknown\n250 c ok\n354 go\n250 2.0.0 queued as X\n`,
    );
    const result = await c.send(
      {
        from: "s@example.org",
        to: ["a@example.org", "b@example.org", { address: "c@example.org" }],
        onRecipientRefused: "continue",
      },
      "Subject: hi\n\nbody\n",
    );
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf(
        "MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\nRCPT TO:<b@example.org>\nRCPT TO:<c@example.org>\nDATA\n",
      ),
      // The in-memory body and the final dot leave together.
      "Subject: hi\r\n\r\nbody\r\n.\r\n",
    ]);
    expect(result.accepted).toEqual(["a@example.org", "c@example.org"]);
    expect(result.rejected).toEqual([
      {
        address: "b@example.org",
        ok: false,
        reply: { code: 550, enhancedCode: "5.1.1", message: "5.1.1 b unknown" },
      },
    ]);
    expect(result.recipients.map((r) => [r.address, r.ok, r.reply.code])).toEqual([
      ["a@example.org", true, 250],
      ["b@example.org", false, 550],
      ["c@example.org", true, 250],
    ]);
    expect(result.reply).toEqual({
      code: 250,
      enhancedCode: "2.0.0",
      message: "2.0.0 queued as X",
    });
  });

  it("abort (the default): a refused recipient fails the transaction before DATA, then RSET", async () => {
    const { c, writes } = await session(
      `${PIPELINING}250 ok\n250 a ok\n550 5.1.1 b unknown\n250 reset\n250 ok\n`,
    );
    const err = (await c
      .send({ from: "s@example.org", to: ["a@example.org", "b@example.org"] }, "body")
      .catch((e: unknown) => e)) as RecipientsRefusedError;
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    expect(err.code).toBe("ERR_RECIPIENTS_REFUSED");
    expect(err.replyCode).toBe(550);
    expect(err.enhancedCode).toBe("5.1.1");
    expect(err.command).toBe("RCPT TO:<b@example.org>");
    expect(err.recipients.map((r) => [r.address, r.ok])).toEqual([
      ["a@example.org", true],
      ["b@example.org", false],
    ]);
    expect(err.message).toBe("recipient refused: <b@example.org> 550 5.1.1 b unknown");
    await c.noop(); // the session is still usable
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\nRCPT TO:<b@example.org>\n"),
      "RSET\r\n",
      "NOOP\r\n",
    ]);
  });

  it("abort with several recipients: DATA waits for the RCPT replies (a 354 cannot be taken back)", async () => {
    const { c, writes } = await session(`${PIPELINING}250 ok\n250 ok\n250 ok\n354 go\n250 done\n`);
    await c.send({ from: "s@example.org", to: ["a@example.org", "b@example.org"] }, "x\n");
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\nRCPT TO:<b@example.org>\n"),
      "DATA\r\n",
      "x\r\n.\r\n",
    ]);
  });

  it("a server that says 354 when we must abort with a recipient accepted: the connection is closed", async () => {
    // MAIL refused, yet the RCPT accepted and DATA answered 354: ending the data with "."
    // would deliver, so only closing the connection cancels.
    const { t, c, writes } = await session(`${PIPELINING}553 no\n250 a ok\n354 go ahead\n`);
    await expect(
      c.send({ from: "s@example.org", to: ["a@example.org"] }, "body"),
    ).rejects.toMatchObject({
      replyCode: 553,
    });
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\nDATA\n"),
    ]);
    expect(c.closed).toBe(true);
    expect(t.destroyed).toBe(true);
  });

  it("no recipient accepted but DATA got 354: a lone dot ends it (RFC 2920 §3.1), then RSET", async () => {
    const { c, writes } = await session(
      `${PIPELINING}250 ok\n550 a unknown\n550 b unknown\n354 go\n554 no valid recipients\n250 reset\n`,
    );
    const err = (await c
      .send(
        {
          from: "s@example.org",
          to: ["a@example.org", "b@example.org"],
          onRecipientRefused: "continue",
        },
        "body",
      )
      .catch((e: unknown) => e)) as RecipientsRefusedError;
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    expect(err.message).toMatch(/^no recipient accepted: /);
    expect(writes().slice(2)).toEqual([".\r\n", "RSET\r\n"]);
    expect(c.closed).toBe(false);
  });

  it("never sends the body after a refused DATA", async () => {
    const { c, writes } = await session(
      `${PIPELINING}250 ok\n250 ok\n451 4.3.0 try later\n250 reset\n`,
    );
    const err = (await c
      .send({ from: "s@example.org", to: ["a@example.org"] }, "SECRET BODY")
      .catch((e: unknown) => e)) as SmtpReplyError;
    expect(err).toBeInstanceOf(SmtpReplyError);
    expect(err).toMatchObject({ replyCode: 451, temporary: true, command: "DATA", phase: "data" });
    expect(writes().join("")).not.toContain("SECRET BODY");
    expect(writes().at(-1)).toBe("RSET\r\n");
  });

  it("a refused MAIL fails the transaction with MAIL's reply", async () => {
    const { c } = await session(
      `${PIPELINING}553 5.7.1 sender rejected\n503 need MAIL\n554 no valid recipients\n250 reset\n`,
    );
    await expect(
      c.send({ from: "s@example.org", to: ["a@example.org"] }, "x"),
    ).rejects.toMatchObject({
      code: "ERR_SMTP_REPLY",
      replyCode: 553,
      enhancedCode: "5.7.1",
      command: "MAIL FROM:<s@example.org>",
    });
  });

  it("back to back: the dot shares a write with the next MAIL, and a refusal in the third is reported against it", async () => {
    const { c, writes } = await session(
      `${PIPELINING}` +
        // message 1
        "250 ok\n250 ok\n354 go\n250 2.0.0 one queued\n" +
        // message 2: two recipients, so DATA waits for the RCPT replies
        "250 ok\n250 ok\n250 ok\n354 go\n250 2.0.0 two queued\n" +
        // message 3: the second recipient is refused
        "250 ok\n250 ok\n550 5.1.1 <z@example.org> unknown\n250 reset\n",
    );
    const [one, two, three] = await Promise.allSettled([
      c.send({ from: "s@example.org", to: ["a@example.org"] }, "one\n"),
      c.send({ from: "s@example.org", to: ["b@example.org", "c@example.org"] }, "two\n"),
      c.send({ from: "s@example.org", to: ["y@example.org", "z@example.org"] }, "three\n"),
    ]);
    expect(one).toMatchObject({
      status: "fulfilled",
      value: { reply: { message: "2.0.0 one queued" } },
    });
    expect(two).toMatchObject({
      status: "fulfilled",
      value: {
        reply: { message: "2.0.0 two queued" },
        accepted: ["b@example.org", "c@example.org"],
      },
    });
    expect(three.status).toBe("rejected");
    const err = (three as PromiseRejectedResult).reason as RecipientsRefusedError;
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    expect(err.recipients.map((r) => [r.address, r.ok, r.reply.code])).toEqual([
      ["y@example.org", true, 250],
      ["z@example.org", false, 550],
    ]);
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\nDATA\n"),
      crlf("one\n.\nMAIL FROM:<s@example.org>\nRCPT TO:<b@example.org>\nRCPT TO:<c@example.org>\n"),
      "DATA\r\n",
      crlf("two\n.\nMAIL FROM:<s@example.org>\nRCPT TO:<y@example.org>\nRCPT TO:<z@example.org>\n"),
      "RSET\r\n",
    ]);
  });
});

describe("send() without PIPELINING", () => {
  it("goes command by command, Go's SendMail order", async () => {
    const { c, writes } = await session(
      "220 hi\n250 mx\n250 ok\n250 ok\n251 forwarded\n354 go\n250 done\n",
    );
    const result = await c.send(
      { from: "s@example.org", to: ["a@example.org", "b@example.org"] },
      "x\n",
    );
    expect(result.accepted).toEqual(["a@example.org", "b@example.org"]);
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      "MAIL FROM:<s@example.org>\r\n",
      "RCPT TO:<a@example.org>\r\n",
      "RCPT TO:<b@example.org>\r\n",
      "DATA\r\n",
      "x\r\n.\r\n",
    ]);
  });

  it("abort: RSET after a refused recipient, DATA never sent", async () => {
    const { c, writes } = await session(
      "220 hi\n250 mx\n250 ok\n450 4.2.1 busy\n250 ok\n250 reset\n",
    );
    const err = (await c
      .send({ from: "s@example.org", to: ["a@example.org", "b@example.org"] }, "x")
      .catch((e: unknown) => e)) as RecipientsRefusedError;
    expect(err.temporary).toBe(true);
    expect(writes().slice(1)).toEqual([
      "MAIL FROM:<s@example.org>\r\n",
      "RCPT TO:<a@example.org>\r\n",
      "RCPT TO:<b@example.org>\r\n",
      "RSET\r\n",
    ]);
  });
});

describe("send() options", () => {
  it("declares SIZE for a body of known size, as transmitted (RFC 1870 §3)", async () => {
    const { c, writes } = await session(
      "220 hi\n250-mx\n250 SIZE 1000\n250 ok\n250 ok\n354 go\n250 ok\n250 ok\n250 ok\n354 go\n250 ok\n",
    );
    // "a\nb\n.c" goes as "a\r\nb\r\n..c\r\n.\r\n": 10 octets, the quoting dot and
    // the terminator not counted.
    await c.send({ from: "s@example.org", to: ["a@example.org"] }, "a\nb\n.c");
    expect(writes()[1]).toBe("MAIL FROM:<s@example.org> SIZE=10\r\n");
    await c.send(
      { from: "s@example.org", to: ["a@example.org"] },
      new Uint8Array([0x61, 0x0d, 0x0a]),
    );
    expect(writes()[5]).toBe("MAIL FROM:<s@example.org> SIZE=3\r\n");
  });

  it("declares no SIZE to a server without the extension, and keeps a size the caller gave", async () => {
    const { c, writes } = await session(
      "220 hi\n250-mx\n250 SIZE 1000\n250 ok\n250 ok\n354 go\n250 ok\n",
    );
    await c.send(
      { from: "s@example.org", to: ["a@example.org"], mailOptions: { size: 42 } },
      "a\n",
    );
    expect(writes()[1]).toBe("MAIL FROM:<s@example.org> SIZE=42\r\n");
    const plain = await session("220 hi\n250 mx\n250 ok\n250 ok\n354 go\n250 ok\n");
    await plain.c.send({ from: "s@example.org", to: ["a@example.org"] }, "a\n");
    expect(plain.writes()[1]).toBe("MAIL FROM:<s@example.org>\r\n");
  });

  it("fails locally when the body is over the SIZE limit", async () => {
    const { c, writes } = await session("220 hi\n250-mx\n250 SIZE 3\n");
    await expect(
      c.send({ from: "s@example.org", to: ["a@example.org"] }, "hello"),
    ).rejects.toBeInstanceOf(MessageTooLargeError);
    expect(writes()).toEqual(["EHLO localhost\r\n"]);
  });
});

describe("CHUNKING (BDAT, RFC 3030)", () => {
  it("sends the body as BDAT n LAST, without dot stuffing", async () => {
    const { c, writes } = await session(
      "220 hi\n250-mx\n250-PIPELINING\n250 CHUNKING\n250 ok\n250 ok\n250 2.0.0 done\n",
    );
    const result = await c.send(
      { from: "s@example.org", to: ["a@example.org"], chunking: true },
      "Hi\r\n.dot\r\n",
    );
    expect(result.reply.message).toBe("2.0.0 done");
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\n"),
      "BDAT 10 LAST\r\nHi\r\n.dot\r\n",
    ]);
  });

  it("splits a large body into BDAT chunks, all pipelined, the last one LAST", async () => {
    const body = "x".repeat(70_000);
    const { c, writes } = await session(
      "220 hi\n250-mx\n250-PIPELINING\n250 CHUNKING\n250 ok\n250 ok\n250 chunk\n250 done\n",
    );
    await c.send({ from: "s@example.org", to: ["a@example.org"], chunking: true }, body);
    const w = writes();
    expect(w[2]).toBe(`BDAT 65536\r\n${"x".repeat(65536)}`);
    expect(w[3]).toBe(`BDAT 4464 LAST\r\n${"x".repeat(4464)}`);
  });

  it("back to back: BDAT LAST shares a write with the next MAIL, replies read in order", async () => {
    const { c, writes } = await session(
      "220 hi\n250-mx\n250-PIPELINING\n250 CHUNKING\n" +
        "250 ok\n250 ok\n250 2.0.0 one done\n" +
        "250 ok\n550 5.1.1 <b@example.org> unknown\n250 reset\n",
    );
    const [one, two] = await Promise.allSettled([
      c.send({ from: "s@example.org", to: ["a@example.org"], chunking: true }, "one\r\n"),
      c.send({ from: "s@example.org", to: ["b@example.org"], chunking: true }, "two\r\n"),
    ]);
    expect(one).toMatchObject({
      status: "fulfilled",
      value: { reply: { message: "2.0.0 one done" } },
    });
    expect(two.status).toBe("rejected");
    expect((two as PromiseRejectedResult).reason).toBeInstanceOf(RecipientsRefusedError);
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\n"),
      crlf("BDAT 5 LAST\none\nMAIL FROM:<s@example.org>\nRCPT TO:<b@example.org>\n"),
      "RSET\r\n",
    ]);
  });

  it("without PIPELINING, BDAT LAST is written before its reply is awaited", async () => {
    const { c, writes } = await session(
      "220 hi\n250-mx\n250 CHUNKING\n250 ok\n250 ok\n250 2.0.0 done\n",
    );
    const result = await c.send(
      { from: "s@example.org", to: ["a@example.org"], chunking: true },
      "Hi\r\n",
    );
    expect(result.reply.message).toBe("2.0.0 done");
    expect(writes().at(-1)).toBe("BDAT 4 LAST\r\nHi\r\n");
  });

  it("an empty body is BDAT 0 LAST", async () => {
    const { c, writes } = await session("220 hi\n250-mx\n250 CHUNKING\n250 ok\n250 ok\n250 done\n");
    await c.send({ from: "s@example.org", to: ["a@example.org"], chunking: true }, "");
    expect(writes().at(-1)).toBe("BDAT 0 LAST\r\n");
  });

  it("falls back to DATA when CHUNKING is not advertised", async () => {
    const { c, writes } = await session("220 hi\n250 mx\n250 ok\n250 ok\n354 go\n250 done\n");
    await c.send({ from: "s@example.org", to: ["a@example.org"], chunking: true }, "x");
    expect(writes()).toContain("DATA\r\n");
  });
});

describe("LMTP send()", () => {
  it("reads one reply per accepted recipient after the body", async () => {
    const { c, writes } = await session(
      "220 lmtp\n250-lmtp\n250 PIPELINING\n250 ok\n250 ok\n550 no such user\n250 ok\n354 go\n250 2.0.0 a delivered\n452 4.2.2 c over quota\n",
      "fake.host",
      { lmtp: true },
    );
    const result = await c.send(
      {
        from: "s@example.org",
        to: ["a@example.org", "b@example.org", "c@example.org"],
        onRecipientRefused: "continue",
      },
      "hi\n",
    );
    expect(writes()[0]).toBe("LHLO localhost\r\n");
    expect(result.rejected.map((r) => r.address)).toEqual(["b@example.org"]);
    expect(result.lmtp?.map((r) => [r.address, r.ok, r.reply.code])).toEqual([
      ["a@example.org", true, 250],
      ["c@example.org", false, 452],
    ]);
    expect(result.reply.message).toBe("2.0.0 a delivered");
  });
});

describe("streamed bodies", () => {
  const server = "220 hi\n250 mx\n250 ok\n250 ok\n354 go\n250 done\n";
  const bodies: [string, () => unknown][] = [
    ["a Node Readable", () => Readable.from([Buffer.from("line 1\n"), Buffer.from(".dot\n")])],
    [
      "a web ReadableStream",
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("line 1\n"));
            controller.enqueue(new TextEncoder().encode(".dot\n"));
            controller.close();
          },
        }),
    ],
    [
      "an async iterable of strings",
      () =>
        (async function* () {
          yield "line 1\n";
          yield ".dot\n";
        })(),
    ],
    ["a Uint8Array", () => new TextEncoder().encode("line 1\n.dot\n")],
  ];
  for (const [name, make] of bodies) {
    it(`${name} is dot-stuffed as it streams`, async () => {
      const { t, c } = await session(server);
      await c.send({ from: "s@example.org", to: ["a@example.org"] }, make() as Uint8Array);
      expect(t.written.endsWith(crlf("DATA\nline 1\n..dot\n.\n"))).toBe(true);
    });
  }

  it("a body stream that fails ends the session (the data is half sent)", async () => {
    const { t, c } = await session(server);
    const body = (async function* () {
      yield "part one\n";
      throw new Error("disk on fire");
    })();
    const err = (await c
      .send({ from: "s@example.org", to: ["a@example.org"] }, body)
      .catch((e: unknown) => e)) as SmtpError;
    expect(err).toBeInstanceOf(SmtpError);
    expect(err.phase).toBe("data");
    expect((err.cause as Error).message).toBe("disk on fire");
    expect(c.closed).toBe(true);
    expect(t.destroyed).toBe(true);
    expect(t.written).not.toContain(".\r\n");
  });
});
