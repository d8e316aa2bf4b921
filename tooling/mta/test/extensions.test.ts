// The ESMTP extensions Postfix offers, used through our client, each checked by what
// Postfix wrote into the maildir (and, for DSN, by the report Postfix sent back).
import { dial, ExtensionNotSupportedError } from "@smtp/client";
import { sendMail } from "@smtp/send";
import { describe, expect, test } from "vitest";
import {
  asStoredByPostfix,
  message,
  newToken,
  postfixAddr,
  transcript,
  trustedCa,
  waitForPostfixMessage,
} from "./mailbox.js";

async function tlsClient(onLine?: (d: "client" | "server", l: string) => void) {
  const client = await dial(postfixAddr("smtp"), onLine ? { onLine } : {});
  await client.startTls(await trustedCa());
  return client;
}

describe("ESMTP extensions against Postfix", () => {
  test("Postfix advertises what the tests below rely on", async () => {
    await using client = await tlsClient();
    const ext = await client.extensions();
    for (const keyword of [
      "PIPELINING",
      "8BITMIME",
      "DSN",
      "SMTPUTF8",
      "CHUNKING",
      "ENHANCEDSTATUSCODES",
    ]) {
      expect(ext.has(keyword), keyword).toBe(true);
    }
    expect(ext.get("SIZE")).toBe("1048576");
    await client.quit();
  });

  test("SMTPUTF8: a UTF-8 sender and mailbox, UTF-8 headers, delivered as such", async ({
    signal,
  }) => {
    const token = newToken();
    const address = "jürgen@example.test";
    const msg = message({
      token,
      from: address,
      to: address,
      subject: "Grüße aus Köln ✉",
      headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
      body: "Hallo Jürgen, schöne Grüße.\r\n",
    });
    const log = transcript();
    await using client = await tlsClient(log.onLine);
    const result = await client.send({ from: address, to: [address] }, msg);
    expect(result.accepted).toEqual([address]);
    await client.quit();

    expect(log.lines.find((l) => l.startsWith("C: MAIL FROM:"))).toMatch(
      /^C: MAIL FROM:<jürgen@example\.test> BODY=8BITMIME SMTPUTF8( |$)/,
    );
    const stored = await waitForPostfixMessage("juergen", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace).toContain("Delivered-To: jürgen@example.test");
    expect(stored.trace).toContain("Return-Path: <jürgen@example.test>");
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(/ with UTF8SMTPS id /);
  });

  test("8BITMIME: 8-bit body bytes are stored as sent, not converted", async ({ signal }) => {
    const token = newToken();
    const msg = message({
      token,
      from: "sender@example.test",
      to: "alice@example.test",
      headers: [
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
      ],
      body: "8-bit: äöü ß € 日本語 🙂\r\nline two\r\n",
    });
    const log = transcript();
    await using client = await tlsClient(log.onLine);
    await client.send({ from: "sender@example.test", to: ["alice@example.test"] }, msg);
    await client.quit();

    expect(log.lines.find((l) => l.startsWith("C: MAIL FROM:"))).toContain(" BODY=8BITMIME");
    const stored = await waitForPostfixMessage("alice", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
  });

  test("DSN: RET, ENVID, NOTIFY and ORCPT reach Postfix, which sends the success report", async ({
    signal,
  }) => {
    const token = newToken();
    // "=" and "+" must be xtext-encoded on the wire (RFC 3461 §4).
    const envId = `env=${token}+x`;
    const msg = message({
      token,
      from: "sender@example.test",
      to: "alice@example.test",
      body: "Body text that RET=HDRS leaves out of the report.\r\n",
    });
    const log = transcript();
    await sendMail(postfixAddr("smtp"), null, "sender@example.test", ["alice@example.test"], msg, {
      tls: "required",
      tlsOptions: await trustedCa(),
      onLine: log.onLine,
      mailOptions: { ret: "HDRS", envId },
      rcptOptions: { notify: ["SUCCESS", "FAILURE"], orcpt: "rfc822;alice@example.test" },
    });
    const mail = log.lines.find((l) => l.startsWith("C: MAIL FROM:"));
    expect(mail).toContain(" RET=HDRS");
    expect(mail).toContain(` ENVID=env+3D${token}+2Bx`);
    expect(log.lines).toContain(
      "C: RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.test",
    );

    const delivered = await waitForPostfixMessage("alice", token, signal);
    expect(delivered.rest).toEqual(asStoredByPostfix(msg));

    // The delivery status notification (RFC 3464) comes back to the sender's mailbox
    // and carries the headers only (RET=HDRS), our ENVID and ORCPT.
    const report = await waitForPostfixMessage("sender", token, signal);
    const text = report.rest.toString("utf8");
    // message/global-delivery-status (RFC 6533) because the transaction was SMTPUTF8.
    expect(text).toMatch(/Content-Type: message\/(global-)?delivery-status/);
    expect(text).toContain(`Original-Envelope-Id: ${envId}`);
    expect(text).toContain("Original-Recipient: rfc822;alice@example.test");
    expect(text).toMatch(/Action: delivered/);
    expect(text).toContain(`Message-ID: <${token}@interop.test>`);
    expect(text).not.toContain("Body text that RET=HDRS leaves out");
  });

  test("CHUNKING: BDAT chunks, no dot-stuffing, the body lands byte for byte", async ({
    signal,
  }) => {
    const token = newToken();
    // Over 64 KiB so it takes several chunks; lines that DATA would have to stuff.
    const filler = Array.from({ length: 3000 }, (_, i) => `.line ${i} ${"x".repeat(40)}`);
    const msg = message({
      token,
      from: "sender@example.test",
      to: "bob@example.test",
      body: `.\r\n..\r\n${filler.join("\r\n")}\r\n.\r\nend\r\n`,
    });
    const log = transcript();
    await using client = await tlsClient(log.onLine);
    await client.send(
      { from: "sender@example.test", to: ["bob@example.test"], chunking: true },
      msg,
    );
    await client.quit();

    const bdat = log.lines.filter((l) => l.startsWith("C: BDAT "));
    expect(bdat.length).toBeGreaterThan(1);
    expect(bdat.at(-1)).toMatch(/^C: BDAT \d+ LAST$/);
    const sent = bdat.reduce((n, l) => n + Number(l.split(" ")[2]), 0);
    expect(sent).toBe(Buffer.byteLength(msg));
    expect(log.lines).not.toContain("C: DATA");

    const stored = await waitForPostfixMessage("bob", token, signal);
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(
      / with (ESMTPS|UTF8SMTPS) id /,
    );
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
  });

  test("DATA: dot-stuffing keeps lone dots and leading dots intact", async ({ signal }) => {
    const token = newToken();
    const msg = message({
      token,
      from: "sender@example.test",
      to: "bob@example.test",
      body: ".\r\n..\r\n.leading\r\nmiddle . dot\r\n\r\n.\r\n.\r\nlast\r\n",
    });
    const log = transcript();
    await using client = await tlsClient(log.onLine);
    await client.send({ from: "sender@example.test", to: ["bob@example.test"] }, msg);
    await client.quit();
    expect(log.lines).toContain("C: DATA");

    const stored = await waitForPostfixMessage("bob", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
  });

  test("PIPELINING: MAIL, every RCPT and DATA go out before the first reply; two transactions in one session", async ({
    signal,
  }) => {
    const first = newToken();
    const second = newToken();
    const log = transcript();
    await using client = await tlsClient(log.onLine);
    const envelope = {
      from: "sender@example.test",
      to: ["alice@example.test", "bob@example.test"],
      onRecipientRefused: "continue" as const,
    };
    const one = message({
      token: first,
      from: envelope.from,
      to: "alice@example.test",
      body: "one\r\n",
    });
    const two = message({
      token: second,
      from: envelope.from,
      to: "bob@example.test",
      body: "two\r\n",
    });
    const [r1, r2] = await Promise.all([client.send(envelope, one), client.send(envelope, two)]);
    expect(r1.accepted).toEqual(envelope.to);
    expect(r2.accepted).toEqual(envelope.to);
    await client.quit();

    // The transcript sees client lines as they are written and server lines as they
    // are read: pipelined, the three commands precede the first 250.
    const start = log.lines.findIndex((l) => l.startsWith("C: MAIL FROM:"));
    expect(log.lines.slice(start, start + 4)).toEqual([
      expect.stringMatching(/^C: MAIL FROM:<sender@example\.test>/),
      "C: RCPT TO:<alice@example.test>",
      "C: RCPT TO:<bob@example.test>",
      "C: DATA",
    ]);
    expect(log.lines.filter((l) => l.startsWith("C: MAIL FROM:"))).toHaveLength(2);

    for (const [user, token, msg] of [
      ["alice", first, one],
      ["bob", first, one],
      ["alice", second, two],
      ["bob", second, two],
    ] as const) {
      const stored = await waitForPostfixMessage(user, token, signal);
      expect(stored.rest).toEqual(asStoredByPostfix(msg));
    }
  });

  test("Go's verbs one by one: hello, mail, rcpt, data writer, reset, noop, quit", async ({
    signal,
  }) => {
    const token = newToken();
    const msg = message({
      token,
      from: "sender@example.test",
      to: "alice@example.test",
      body: "by verbs\r\n.\r\n",
    });
    const log = transcript();
    await using client = await dial(postfixAddr("smtp"), { onLine: log.onLine });
    await client.hello("verbs.interop.test");
    await client.startTls(await trustedCa());
    await client.noop();
    await client.mail("sender@example.test");
    await client.reset();
    const mailReply = await client.mail("sender@example.test");
    expect(mailReply).toMatchObject({ code: 250, enhancedCode: "2.1.0" });
    expect(await client.rcpt("alice@example.test")).toMatchObject({
      code: 250,
      enhancedCode: "2.1.5",
    });
    const writer = await client.data();
    // Written in awkward pieces: the dot codec must not care where chunks split.
    for (let i = 0; i < msg.length; i += 7) await writer.write(msg.slice(i, i + 7));
    const final = await writer.close();
    expect(final.code).toBe(250);
    expect(final.enhancedCode).toBe("2.0.0");
    await client.quit();
    expect(client.closed).toBe(true);

    expect(log.lines.filter((l) => l.startsWith("C: EHLO"))).toEqual([
      "C: EHLO verbs.interop.test",
      "C: EHLO verbs.interop.test",
    ]);
    const stored = await waitForPostfixMessage("alice", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(
      /^Received: from verbs\.interop\.test /,
    );
  });

  test("BINARYMIME and REQUIRETLS, which Postfix does not offer: local errors before MAIL", async () => {
    const log = transcript();
    await using client = await tlsClient(log.onLine);
    for (const mailOptions of [{ body: "BINARYMIME" as const }, { requireTls: true }]) {
      const err = await client
        .send({ from: "sender@example.test", to: ["alice@example.test"], mailOptions }, "x\r\n")
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExtensionNotSupportedError);
    }
    expect(log.lines.some((l) => l.startsWith("C: MAIL"))).toBe(false);
    await client.quit();
  });
});
