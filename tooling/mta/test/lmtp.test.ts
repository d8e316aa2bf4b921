// LMTP (RFC 2033) against aiosmtpd: LHLO, and one reply per accepted recipient after
// the body. aiosmtpd stores the dot-unstuffed bytes as received, CRLF included, so the
// comparison is with exactly what we sent. Recipients choose their fate by local part
// (tooling/mta/lmtp_server.py): reject* at RCPT, defer* and fail* after the body.
import { dial, RecipientsRefusedError } from "@smtp/client";
import { describe, expect, test } from "vitest";
import { lmtpMessagesWith, message, mta, newToken, transcript } from "./mailbox.js";

function lmtpAddr(): string {
  return `${mta().host}:${mta().lmtpPort}`;
}

describe("LMTP against aiosmtpd", () => {
  test("LHLO, then per-recipient results: refused at RCPT, and 250/452/554 after the body", async () => {
    const token = newToken();
    const msg = message({
      token,
      from: "sender@example.test",
      to: "bob@example.test",
      headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
      body: ".\r\n..two dots\r\n.one\r\nGrüße\r\n",
    });
    const log = transcript();
    await using client = await dial(lmtpAddr(), {
      lmtp: true,
      localName: "client.test",
      onLine: log.onLine,
    });
    const result = await client.send(
      {
        from: "sender@example.test",
        to: [
          "bob@lmtp.test",
          "reject-1@lmtp.test",
          "defer-1@lmtp.test",
          "fail-1@lmtp.test",
          "carol@lmtp.test",
        ],
        onRecipientRefused: "continue",
      },
      msg,
    );
    await client.quit();

    expect(log.lines[0]).toMatch(/^S: 220 /);
    expect(log.lines[1]).toBe("C: LHLO client.test");
    expect(result.rejected.map((r) => [r.address, r.reply.code, r.reply.enhancedCode])).toEqual([
      ["reject-1@lmtp.test", 550, "5.1.1"],
    ]);
    expect(result.accepted).toEqual([
      "bob@lmtp.test",
      "defer-1@lmtp.test",
      "fail-1@lmtp.test",
      "carol@lmtp.test",
    ]);
    expect(result.lmtp?.map((r) => [r.address, r.ok, r.reply.code, r.reply.enhancedCode])).toEqual([
      ["bob@lmtp.test", true, 250, "2.0.0"],
      ["defer-1@lmtp.test", false, 452, "4.2.2"],
      ["fail-1@lmtp.test", false, 554, "5.6.0"],
      ["carol@lmtp.test", true, 250, "2.0.0"],
    ]);

    // LMTP's final replies come after the server stored the message: no waiting.
    for (const who of ["bob", "carol"]) {
      const stored = await lmtpMessagesWith(who, token);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.bytes).toEqual(Buffer.from(msg, "utf8"));
      expect(stored[0]?.meta.lhlo).toBe("client.test");
      expect(stored[0]?.meta.mailFrom).toBe("sender@example.test");
      expect(stored[0]?.meta.mailOptions).toContain("BODY=8BITMIME");
    }
    for (const who of ["reject-1", "defer-1", "fail-1"]) {
      expect(await lmtpMessagesWith(who, token)).toEqual([]);
    }
  });

  test("every recipient failing after the body is a RecipientsRefusedError in the final-reply phase", async () => {
    const token = newToken();
    await using client = await dial(lmtpAddr(), { lmtp: true });
    const err = await client
      .send(
        { from: "sender@example.test", to: ["defer-2@lmtp.test", "fail-2@lmtp.test"] },
        message({ token, from: "sender@example.test", to: "defer-2@lmtp.test", body: "x\r\n" }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    const refused = err as RecipientsRefusedError;
    expect(refused.phase).toBe("final-reply");
    expect(refused.recipients.map((r) => r.reply.code)).toEqual([452, 554]);
    await client.quit();
  });

  test("a body that ends without CRLF, with bare CR and bare LF, through DATA", async () => {
    const token = newToken();
    await using client = await dial(lmtpAddr(), { lmtp: true });
    const body = `Message-ID: <${token}@interop.test>\r\n\r\nbare\rCR and bare\nLF\r\n.\r\nno final line end`;
    await client.send({ from: "sender@example.test", to: ["dave@lmtp.test"] }, body);
    await client.quit();
    const stored = await lmtpMessagesWith("dave", token);
    expect(stored).toHaveLength(1);
    // A bare LF becomes CRLF, and so does a bare CR (the client's bareCr "crlf" default,
    // RFC 5321 §2.3.8); the end gets CRLF before the dot.
    expect(stored[0]?.bytes.toString("utf8")).toBe(
      `Message-ID: <${token}@interop.test>\r\n\r\nbare\r\nCR and bare\r\nLF\r\n.\r\nno final line end\r\n`,
    );
  });

  test('with bareCr "pass" (Go\'s behaviour) a bare CR reaches the mailbox as it was', async () => {
    const token = newToken();
    await using client = await dial(lmtpAddr(), { lmtp: true, bareCr: "pass" });
    const body = `Message-ID: <${token}@interop.test>\r\n\r\nbare\rCR\r\n`;
    await client.send({ from: "sender@example.test", to: ["dave@lmtp.test"] }, body);
    await client.quit();
    const stored = await lmtpMessagesWith("dave", token);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.bytes.toString("utf8")).toBe(body);
  });
});
