// The pooled sender of @smtp/send against Postfix: several authenticated TLS
// connections, pipelined transactions, and each outcome checked in the maildir.
import { createSender } from "@smtp/send";
import { describe, expect, test } from "vitest";
import {
  asStoredByPostfix,
  message,
  mta,
  newToken,
  postfixAddr,
  postfixMessagesWith,
  trustedCa,
  waitForPostfixMessage,
} from "./mailbox.js";

describe("the pooled sender against Postfix", () => {
  test("40 messages over 2 authenticated STARTTLS connections: each stored exactly once; refusals reported", async ({
    signal,
  }) => {
    const { user, password } = mta();
    await using sender = createSender({
      addr: postfixAddr("smtp"),
      auth: { username: user, password },
      tls: "required",
      tlsOptions: await trustedCa(),
      pool: { maxConnections: 2, maxMessagesPerConnection: 15, retryDelay: 10, maxRetries: 1 },
    });
    const messages = Array.from({ length: 40 }, (_, i) => {
      const token = newToken();
      const to = i % 2 === 0 ? "alice@example.test" : "bob@example.test";
      return {
        token,
        to,
        body: message({ token, from: "sender@example.test", to, body: `message ${i}\r\n` }),
      };
    });
    const results = await Promise.all([
      ...messages.map((m) =>
        sender.send({ from: "sender@example.test", to: [m.to], body: m.body }),
      ),
      sender.send({ from: "sender@example.test", to: ["nobody@example.test"], body: "x\r\n" }),
      sender.send({ from: "sender@example.test", to: ["tempfail@example.test"], body: "x\r\n" }),
    ]);
    const unknownUser = results[40]!;
    const tempFail = results[41]!;
    expect(results.slice(0, 40).map((r) => r.outcome)).toEqual(messages.map(() => "sent"));
    expect(unknownUser.outcome).toBe("refused");
    expect(unknownUser.reply?.code).toBe(550);
    // A 450 is retried (maxRetries 1), then reported as failed, never as sent.
    expect(tempFail.outcome).toBe("failed");
    expect(tempFail.attempts).toBe(2);
    await sender.close();
    expect(sender.stats()).toMatchObject({ sent: 40, refused: 1, failed: 1, unknown: 0 });
    expect(sender.stats().connectionsOpened).toBeGreaterThanOrEqual(3); // 15 per connection

    for (const m of messages) {
      const name = m.to.split("@")[0]!;
      const stored = await waitForPostfixMessage(name, m.token, signal);
      expect(stored.rest).toEqual(asStoredByPostfix(m.body));
      expect(stored.trace.find((h) => h.startsWith("Received:"))).toContain(
        `(Authenticated sender: ${user})`,
      );
      expect(await postfixMessagesWith(name, m.token)).toHaveLength(1);
    }
  });
});
