// STARTTLS and implicit TLS against Postfix, with the throwaway certificate as the
// only trusted CA, through Client and through sendMail.
import { dial, TlsError } from "@smtp/client";
import { sendMail } from "@smtp/send";
import { describe, expect, test } from "vitest";
import {
  asStoredByPostfix,
  message,
  newToken,
  postfixAddr,
  trustedCa,
  waitForPostfixMessage,
} from "./mailbox.js";

const body = "Hello over TLS.\r\n";

describe("TLS against Postfix", () => {
  test("Client: STARTTLS verifies the certificate, then the message lands byte for byte", async ({
    signal,
  }) => {
    const token = newToken();
    const msg = message({ token, from: "sender@example.test", to: "alice@example.test", body });
    await using client = await dial(postfixAddr("smtp"));
    const [offered] = await client.extension("STARTTLS");
    expect(offered).toBe(true);
    await client.startTls(await trustedCa());
    const state = client.tlsConnectionState();
    expect(state?.authorized).toBe(true);
    expect(state?.protocol).toMatch(/^TLSv1\.[23]$/);
    // RFC 3207 §4.2: the EHLO after TLS is a new one; Postfix offers AUTH only now.
    expect((await client.extensions()).has("AUTH")).toBe(true);
    expect((await client.extensions()).has("STARTTLS")).toBe(false);
    const result = await client.send(
      { from: "sender@example.test", to: ["alice@example.test"] },
      msg,
    );
    expect(result.accepted).toEqual(["alice@example.test"]);
    expect(result.reply.code).toBe(250);
    await client.quit();

    const stored = await waitForPostfixMessage("alice", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(
      / with (ESMTPS|UTF8SMTPS) id /,
    );
  });

  test("Client: implicit TLS from the first byte", async ({ signal }) => {
    const token = newToken();
    const msg = message({ token, from: "sender@example.test", to: "alice@example.test", body });
    await using client = await dial(postfixAddr("smtps"), {
      tls: "implicit",
      tlsOptions: await trustedCa(),
    });
    expect(client.tlsConnectionState()?.authorized).toBe(true);
    await client.send({ from: "sender@example.test", to: ["alice@example.test"] }, msg);
    await client.quit();

    const stored = await waitForPostfixMessage("alice", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(
      / with (ESMTPS|UTF8SMTPS) id /,
    );
  });

  test("Client: a certificate from an untrusted CA fails STARTTLS with ERR_TLS", async () => {
    await using client = await dial(postfixAddr("smtp"));
    const err = await client.startTls().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toMatchObject({ code: "ERR_TLS", phase: "tls" });
  });

  test("Client: a certificate for another host fails STARTTLS with ERR_TLS", async () => {
    await using client = await dial(postfixAddr("smtp"));
    const err = await client
      .startTls({ ...(await trustedCa()), servername: "mail.elsewhere.test" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect(err).toMatchObject({ code: "ERR_TLS", phase: "tls" });
  });

  test('sendMail: tls "required" uses STARTTLS', async ({ signal }) => {
    const token = newToken();
    const msg = message({ token, from: "sender@example.test", to: "bob@example.test", body });
    const result = await sendMail(
      postfixAddr("smtp"),
      null,
      "sender@example.test",
      ["bob@example.test"],
      msg,
      { tls: "required", tlsOptions: await trustedCa() },
    );
    expect(result.accepted).toEqual(["bob@example.test"]);
    const stored = await waitForPostfixMessage("bob", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(
      / with (ESMTPS|UTF8SMTPS) id /,
    );
  });

  test('sendMail: tls "implicit"', async ({ signal }) => {
    const token = newToken();
    const msg = message({ token, from: "sender@example.test", to: "bob@example.test", body });
    await sendMail(postfixAddr("smtps"), null, "sender@example.test", ["bob@example.test"], msg, {
      tls: "implicit",
      tlsOptions: await trustedCa(),
    });
    const stored = await waitForPostfixMessage("bob", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toMatch(
      / with (ESMTPS|UTF8SMTPS) id /,
    );
  });
});
