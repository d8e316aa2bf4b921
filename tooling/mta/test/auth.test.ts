// AUTH against Postfix with Dovecot as its SASL server, with a UTF-8 password that
// contains a space. Postfix (smtpd_sasl_authenticated_header) writes the SASL user
// into the Received header, so the stored message proves the session authenticated.
import { type Auth, cramMd5Auth, loginAuth, plainAuth, scramSha256Auth } from "@smtp/auth";
import { dial, SmtpReplyError } from "@smtp/client";
import { AuthNotSupportedError, sendMail } from "@smtp/send";
import { describe, expect, test } from "vitest";
import {
  asStoredByPostfix,
  message,
  mta,
  newToken,
  postfixAddr,
  transcript,
  trustedCa,
  waitForPostfixMessage,
} from "./mailbox.js";

const mechanisms: [string, (user: string, password: string) => Auth][] = [
  ["PLAIN", (u, p) => plainAuth("", u, p, "127.0.0.1")],
  ["LOGIN", (u, p) => loginAuth(u, p, "127.0.0.1")],
  ["CRAM-MD5", (u, p) => cramMd5Auth(u, p)],
  ["SCRAM-SHA-256", (u, p) => scramSha256Auth(u, p)],
];

describe("AUTH against Postfix + Dovecot", () => {
  test("the password really is UTF-8 with a space", () => {
    expect(mta().password).toMatch(/[^\x00-\x7f]/);
    expect(mta().password).toContain(" ");
  });

  test.for(mechanisms)(
    "%s after STARTTLS, then a message lands",
    async ([mechanism, make], { signal }) => {
      const { user, password } = mta();
      const token = newToken();
      const msg = message({
        token,
        from: "sender@example.test",
        to: "alice@example.test",
        subject: `AUTH ${mechanism}`,
        body: `Sent after AUTH ${mechanism}.\r\n`,
      });
      const log = transcript();
      await using client = await dial(postfixAddr("smtp"), { onLine: log.onLine });
      await client.startTls(await trustedCa());
      const [, mechs] = await client.extension("AUTH");
      expect(mechs.split(" ")).toContain(mechanism);
      await client.auth(make(user, password));
      await client.send({ from: "sender@example.test", to: ["alice@example.test"] }, msg);
      await client.quit();

      expect(log.lines).toContain(`S: 235 2.7.0 Authentication successful`);
      // The transcript names the mechanism and hides every payload.
      expect(log.lines.find((l) => l.startsWith("C: AUTH "))).toMatch(
        new RegExp(`^C: AUTH ${mechanism}( <redacted>)?$`),
      );
      expect(log.lines.join("\n")).not.toContain(password);
      expect(log.lines.join("\n")).not.toContain(Buffer.from(password).toString("base64"));

      const stored = await waitForPostfixMessage("alice", token, signal);
      expect(stored.rest).toEqual(asStoredByPostfix(msg));
      const received = stored.trace.find((h) => h.startsWith("Received:"));
      expect(received).toContain(`(Authenticated sender: ${user})`);
      expect(received).toMatch(/ with (ESMTPSA|UTF8SMTPSA) id /);
    },
  );

  test("authenticate() picks SCRAM-SHA-256, the strongest Dovecot offers here", async () => {
    const { user, password } = mta();
    await using client = await dial(postfixAddr("smtp"));
    await client.startTls(await trustedCa());
    expect(await client.authenticate({ username: user, password })).toBe("SCRAM-SHA-256");
    await client.quit();
  });

  test.for(mechanisms)(
    "%s with a wrong password: a 535 reply error in the auth phase",
    async ([, make]) => {
      const { user, password } = mta();
      await using client = await dial(postfixAddr("smtp"));
      await client.startTls(await trustedCa());
      const err = await client.auth(make(user, `${password}x`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmtpReplyError);
      expect(err).toMatchObject({ replyCode: 535, enhancedCode: "5.7.8", phase: "auth" });
      expect(String((err as Error).message)).not.toContain(password);
    },
  );

  test("sendMail with credentials over implicit TLS", async ({ signal }) => {
    const { user, password } = mta();
    const token = newToken();
    const msg = message({
      token,
      from: "sender@example.test",
      to: "bob@example.test",
      body: "sendMail + AUTH\r\n",
    });
    await sendMail(
      postfixAddr("smtps"),
      { username: user, password },
      "sender@example.test",
      ["bob@example.test"],
      msg,
      { tls: "implicit", tlsOptions: await trustedCa() },
    );
    const stored = await waitForPostfixMessage("bob", token, signal);
    expect(stored.rest).toEqual(asStoredByPostfix(msg));
    expect(stored.trace.find((h) => h.startsWith("Received:"))).toContain(
      `(Authenticated sender: ${user})`,
    );
  });

  test("sendMail without TLS: Postfix offers no AUTH in clear, and sendMail fails rather than skip it", async () => {
    const { user, password } = mta();
    const log = transcript();
    const err = await sendMail(
      postfixAddr("smtp"),
      { username: user, password },
      "sender@example.test",
      ["bob@example.test"],
      "Subject: never sent\r\n\r\nx\r\n",
      { tls: "none", onLine: log.onLine },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthNotSupportedError);
    expect(log.lines.some((l) => l.startsWith("C: MAIL"))).toBe(false);
  });
});
