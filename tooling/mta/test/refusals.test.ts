// What Postfix refuses: an unknown mailbox (550), a temporarily unavailable one (450,
// from check_recipient_access), and a message over message_size_limit (SIZE 1048576).
// Where nothing may land, a marker message sent afterwards to the same mailbox proves
// the queue has moved past the refused one.
import { dial, MessageTooLargeError, RecipientsRefusedError, SmtpReplyError } from "@smtp/client";
import { sendMail } from "@smtp/send";
import { describe, expect, test } from "vitest";
import {
  asStoredByPostfix,
  message,
  mta,
  newToken,
  postfixAddr,
  postfixMessagesWith,
  transcript,
  trustedCa,
  waitForPostfixMessage,
} from "./mailbox.js";

async function tls() {
  return { tls: "required" as const, tlsOptions: await trustedCa() };
}

/** Sends a small marker to `user` and waits until it is stored. */
async function marker(user: string, signal: AbortSignal): Promise<void> {
  const token = newToken();
  const to = `${user}@example.test`;
  const msg = message({ token, from: "sender@example.test", to, body: "marker\r\n" });
  await sendMail(postfixAddr(), null, "sender@example.test", [to], msg, await tls());
  await waitForPostfixMessage(user, token, signal);
}

describe("refusals from Postfix", () => {
  test("an unknown mailbox: 550 5.1.1, a permanent per-recipient error", async () => {
    const err = await sendMail(
      postfixAddr(),
      null,
      "sender@example.test",
      ["nobody@example.test"],
      message({
        token: newToken(),
        from: "sender@example.test",
        to: "nobody@example.test",
        body: "x\r\n",
      }),
      await tls(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    const refused = err as RecipientsRefusedError;
    expect(refused).toMatchObject({ replyCode: 550, enhancedCode: "5.1.1", temporary: false });
    expect(refused.recipients).toEqual([
      {
        address: "nobody@example.test",
        ok: false,
        reply: expect.objectContaining({ code: 550, enhancedCode: "5.1.1" }),
      },
    ]);
    expect(refused.recipients[0]?.reply.message).toContain("User unknown in virtual mailbox table");
  });

  test("a temporarily unavailable mailbox: 450 4.2.0, marked temporary", async () => {
    const err = await sendMail(
      postfixAddr(),
      null,
      "sender@example.test",
      ["tempfail@example.test"],
      message({
        token: newToken(),
        from: "sender@example.test",
        to: "tempfail@example.test",
        body: "x\r\n",
      }),
      await tls(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    expect(err).toMatchObject({ replyCode: 450, enhancedCode: "4.2.0", temporary: true });
  });

  test('"continue": the accepted recipient gets the message, the refused ones are reported each', async ({
    signal,
  }) => {
    const token = newToken();
    const msg = message({
      token,
      from: "sender@example.test",
      to: "alice@example.test",
      body: "partial\r\n",
    });
    const result = await sendMail(
      postfixAddr(),
      null,
      "sender@example.test",
      ["nobody@example.test", "alice@example.test", "tempfail@example.test"],
      msg,
      { ...(await tls()), onRecipientRefused: "continue" },
    );
    expect(result.accepted).toEqual(["alice@example.test"]);
    expect(result.rejected.map((r) => [r.address, r.reply.code, r.reply.enhancedCode])).toEqual([
      ["nobody@example.test", 550, "5.1.1"],
      ["tempfail@example.test", 450, "4.2.0"],
    ]);
    const stored = await waitForPostfixMessage("alice", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace).toContain("X-Original-To: alice@example.test");
  });

  test('"abort" (the default): one refused recipient and nobody gets the message', async ({
    signal,
  }) => {
    const token = newToken();
    const log = transcript();
    const err = await sendMail(
      postfixAddr(),
      null,
      "sender@example.test",
      ["alice@example.test", "nobody@example.test"],
      message({ token, from: "sender@example.test", to: "alice@example.test", body: "never\r\n" }),
      { ...(await tls()), onLine: log.onLine },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecipientsRefusedError);
    expect((err as RecipientsRefusedError).recipients.map((r) => r.ok)).toEqual([true, false]);
    expect(log.lines).not.toContain("C: DATA");
    await marker("alice", signal);
    expect(await postfixMessagesWith("alice", token)).toEqual([]);
  });

  test("SIZE: a body of known size over the limit fails locally, before MAIL", async () => {
    const log = transcript();
    const big = `${"x".repeat(76)}\r\n`;
    const body = message({
      token: newToken(),
      from: "sender@example.test",
      to: "alice@example.test",
      body: big.repeat(Math.ceil((mta().messageSizeLimit + 1) / big.length)),
    });
    await using client = await dial(postfixAddr(), { onLine: log.onLine });
    await client.startTls(await trustedCa());
    const err = await client
      .send({ from: "sender@example.test", to: ["alice@example.test"] }, body)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessageTooLargeError);
    expect(err).toMatchObject({ code: "ERR_MESSAGE_TOO_LARGE" });
    expect(log.lines.some((l) => l.startsWith("C: MAIL"))).toBe(false);
    await client.quit();
  });

  test("SIZE: a streamed body over the limit is refused by Postfix with 552 5.3.4 and not stored", async ({
    signal,
  }) => {
    const token = newToken();
    const head = message({
      token,
      from: "sender@example.test",
      to: "alice@example.test",
      body: "",
    });
    const line = `${"y".repeat(76)}\r\n`;
    const lines = Math.ceil((mta().messageSizeLimit + 1) / line.length);
    async function* stream(): AsyncGenerator<string> {
      yield head;
      for (let i = 0; i < lines; i += 1000) yield line.repeat(Math.min(1000, lines - i));
    }
    await using client = await dial(postfixAddr());
    await client.startTls(await trustedCa());
    const err = await client
      .send({ from: "sender@example.test", to: ["alice@example.test"] }, stream())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpReplyError);
    expect(err).toMatchObject({ replyCode: 552, enhancedCode: "5.3.4", temporary: false });
    // The session is still usable after the refusal.
    await client.noop();
    await client.quit();
    await marker("alice", signal);
    expect(await postfixMessagesWith("alice", token)).toEqual([]);
  });
});
