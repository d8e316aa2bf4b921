// Transcript tests after Go's src/net/smtp/smtp_test.go: the server script and the
// client bytes it must produce sit side by side, and the bytes are compared exactly.
import { type Auth, plainAuth } from "@smtp/auth";
import { describe, expect, it } from "vitest";
import { Client } from "./client.js";
import {
  InvalidArgumentError,
  SmtpError,
  SmtpProtocolError,
  SmtpReplyError,
  TlsError,
} from "./errors.js";
import { crlf, ScriptedTransport, scriptedSessions } from "./test-util.js";

const session = scriptedSessions();

describe("Go's TestBasic, through the public API", () => {
  const server = `220 hello world
250-mx.google.com at your service
250-SIZE 35651584
250-AUTH LOGIN PLAIN
250 8BITMIME
530 Authentication required
252 Send some mail, I'll try my best
250 User is valid
235 Accepted
250 Sender OK
250 Receiver OK
354 Go ahead
250 Data OK
221 OK
`;
  const client = `EHLO localhost
MAIL FROM:<user@gmail.com> BODY=8BITMIME
VRFY user1@gmail.com
VRFY user2@gmail.com
AUTH PLAIN AHVzZXIAcGFzcw==
MAIL FROM:<user@gmail.com> BODY=8BITMIME
RCPT TO:<golang-nuts@googlegroups.com>
DATA
From: user@gmail.com
To: golang-nuts@googlegroups.com
Subject: Hooray for Go

Line 1
..Leading dot line .
Goodbye.
.
QUIT
`;

  it("writes exactly Go's bytes", async () => {
    // Go fakes TLS with c.tls = true so PLAIN will start; the internal option does the same.
    const { t, c } = await session(server, "smtp.google.com", { tlsActive: true });
    expect(await c.extension("aUtH")).toEqual([true, "LOGIN PLAIN"]);
    expect(await c.extension("DSN")).toEqual([false, ""]);
    await expect(c.mail("user@gmail.com")).rejects.toMatchObject({
      code: "ERR_SMTP_REPLY",
      replyCode: 530,
      message: "Authentication required",
      command: "MAIL FROM:<user@gmail.com> BODY=8BITMIME",
      temporary: false,
    });
    await expect(c.verify("user1@gmail.com")).rejects.toMatchObject({ replyCode: 252 });
    await c.verify("user2@gmail.com");
    await c.auth(plainAuth("", "user", "pass", "smtp.google.com"));
    await c.mail("user@gmail.com");
    await c.rcpt("golang-nuts@googlegroups.com");
    const w = await c.data();
    await w.write(
      "From: user@gmail.com\nTo: golang-nuts@googlegroups.com\nSubject: Hooray for Go\n\nLine 1\n.Leading dot line .\nGoodbye.",
    );
    const reply = await w.close();
    expect(reply).toEqual({ code: 250, enhancedCode: undefined, message: "Data OK" });
    await c.quit();
    expect(t.written).toBe(crlf(client));
    expect(c.closed).toBe(true);
  });
});

describe("hello (Go's TestNewClient, TestNewClient2, TestHello)", () => {
  it("sends EHLO lazily and parses the extensions", async () => {
    const { t, c } = await session(`220 hello world
250-mx.google.com at your service
250-SIZE 35651584
250-AUTH LOGIN PLAIN
250 8BITMIME
221 OK
`);
    expect(t.written).toBe("");
    expect(await c.extension("aUtH")).toEqual([true, "LOGIN PLAIN"]);
    expect(await c.extension("DSN")).toEqual([false, ""]);
    expect([...(await c.extensions()).keys()]).toEqual(["SIZE", "AUTH", "8BITMIME"]);
    await c.quit();
    expect(t.written).toBe(crlf("EHLO localhost\nQUIT\n"));
  });

  it("falls back to HELO when EHLO fails, and then knows no extension", async () => {
    const { t, c } = await session(`220 hello world
502 EH?
250-mx.google.com at your service
250-SIZE 35651584
250-AUTH LOGIN PLAIN
250 8BITMIME
221 OK
`);
    expect(await c.extension("DSN")).toEqual([false, ""]);
    expect(await c.extension("SIZE")).toEqual([false, ""]);
    await c.quit();
    expect(t.written).toBe(crlf("EHLO localhost\nHELO localhost\nQUIT\n"));
  });

  it("a 421 to EHLO is the answer: no HELO after it (RFC 5321 §3.8, unlike Go)", async () => {
    const { t, c } = await session("220 hello world\n421 4.3.2 closing channel\n");
    const err = await c.noop().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_SMTP_REPLY", replyCode: 421, phase: "hello" });
    expect(t.written).toBe(crlf("EHLO localhost\n"));
  });

  const baseServer = "220 hello world\n502 EH?\n250-mx.google.com at your service\n250 FEATURE\n";
  const baseClient = "EHLO customhost\nHELO customhost\n";
  const cases: [string, string, string, (c: Client) => Promise<unknown>][] = [
    ["hello", "", "", (c) => c.hello("customhost")],
    [
      "startTls refused",
      "502 Not implemented\n",
      "STARTTLS\n",
      (c) =>
        expect(c.startTls()).rejects.toMatchObject({ replyCode: 502, message: "Not implemented" }),
    ],
    [
      "verify",
      "250 User is valid\n",
      "VRFY test@example.com\n",
      (c) => c.verify("test@example.com"),
    ],
    [
      "auth",
      "235 Accepted\n",
      "AUTH PLAIN AHVzZXIAcGFzcw==\n",
      (c) => c.auth(plainAuth("", "user", "pass", "smtp.google.com")),
    ],
    [
      "mail",
      "250 Sender ok\n",
      "MAIL FROM:<test@example.com>\n",
      (c) => c.mail("test@example.com"),
    ],
    ["extension", "", "", async (c) => expect(await c.extension("feature")).toEqual([false, ""])],
    ["reset", "250 Reset ok\n", "RSET\n", (c) => c.reset()],
    ["quit", "221 Goodbye\n", "QUIT\n", (c) => c.quit()],
    [
      "hello after other methods",
      "250 Sender ok\n",
      "VRFY test@example.com\n",
      async (c) => {
        await c.verify("test@example.com");
        await expect(c.hello("customhost")).rejects.toThrow("hello called after other methods");
      },
    ],
  ];
  for (const [name, server, client, run] of cases) {
    it(`after EHLO fails and HELO works: ${name}`, async () => {
      const { t, c } = await session(baseServer + server, "smtp.google.com", {
        localName: "customhost",
        tlsActive: true,
      });
      await run(c);
      expect(t.written).toBe(crlf(baseClient + client));
    });
  }

  it("hello() twice: the second is 'hello called after other methods'", async () => {
    const { t, c } = await session("220 hi\n250 ok\n");
    await c.hello("a.example");
    const err = await c.hello("b.example").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as Error).message).toBe("hello called after other methods");
    expect(t.written).toBe(crlf("EHLO a.example\n"));
  });

  it("rcpt and data do not trigger hello", async () => {
    const { t, c } = await session("220 hi\n250 ok\n354 go\n");
    await c.rcpt("a@example.org");
    const w = await c.data();
    expect(w).toBeDefined();
    expect(t.written).toBe(crlf("RCPT TO:<a@example.org>\nDATA\n"));
    await c.close();
  });

  it("rcpt accepts any 25x, verify only 250", async () => {
    const { c } = await session("220 hi\n250 ok\n251 will forward\n252 cannot verify\n");
    await c.hello("localhost");
    expect((await c.rcpt("a@example.org")).code).toBe(251);
    await expect(c.verify("a@example.org")).rejects.toMatchObject({ replyCode: 252 });
  });

  it("sends QUIT after a failed hello and still closes", async () => {
    const { t, c } = await session("220 hi\n502 no EHLO\n502 no HELO either\n221 bye\n");
    await expect(c.noop()).rejects.toMatchObject({ replyCode: 502, message: "no HELO either" });
    await expect(c.mail("a@example.org")).rejects.toMatchObject({ replyCode: 502 });
    await c.quit();
    expect(t.written).toBe(crlf("EHLO localhost\nHELO localhost\nQUIT\n"));
    expect(c.closed).toBe(true);
  });

  it("sees a lower-case starttls, splits keyword and params at the first space", async () => {
    const { c } = await session(
      "220 hi\n250-mx at your service\n250-starttls\n250-auth login  plain\n250-X-Thing a b c\n250 size\n",
    );
    expect(await c.extension("STARTTLS")).toEqual([true, ""]);
    expect(await c.extension("Auth")).toEqual([true, "login  plain"]);
    expect(await c.extension("x-thing")).toEqual([true, "a b c"]);
    expect(await c.extension("SIZE")).toEqual([true, ""]);
  });

  it("a one-line EHLO reply means no extensions", async () => {
    const { c } = await session("220 hi\n250 mx at your service\n");
    expect((await c.extensions()).size).toBe(0);
  });

  it("a greeting that is not 220 fails newClient and closes", async () => {
    const t = new ScriptedTransport("554 go away\n");
    await expect(Client.create(t, "fake.host")).rejects.toMatchObject({
      code: "ERR_SMTP_REPLY",
      replyCode: 554,
      phase: "greeting",
    });
    expect(t.destroyed).toBe(true);
  });
});

describe("MAIL parameters (Go's Mail rules)", () => {
  it("appends BODY=8BITMIME then SMTPUTF8 when both are advertised", async () => {
    const { t, c } = await session("220 hi\n250-mx\n250-SMTPUTF8\n250 8BITMIME\n250 ok\n");
    await c.mail("user@example.com");
    expect(t.written).toBe(
      crlf("EHLO localhost\nMAIL FROM:<user@example.com> BODY=8BITMIME SMTPUTF8\n"),
    );
  });

  it("adds nothing after HELO (extensions unknown)", async () => {
    const { t, c } = await session("220 hi\n500 what\n250 hi\n250 ok\n");
    await c.mail("user@example.com");
    expect(t.written).toBe(crlf("EHLO localhost\nHELO localhost\nMAIL FROM:<user@example.com>\n"));
  });

  it("reply errors carry the enhanced status code and temporary for 4xx", async () => {
    const { c } = await session("220 hi\n250 mx\n451-4.7.1 greylisted,\n451 4.7.1 try later\n");
    const err = (await c.mail("a@example.org").catch((e: unknown) => e)) as SmtpReplyError;
    expect(err).toBeInstanceOf(SmtpReplyError);
    expect(err.replyCode).toBe(451);
    expect(err.enhancedCode).toBe("4.7.1");
    expect(err.message).toBe("4.7.1 greylisted,\n4.7.1 try later");
    expect(err.temporary).toBe(true);
    expect(err.phase).toBe("command");
  });
});

describe("AUTH (Go's TestAuthFailed and the loop)", () => {
  const ehlo =
    "220 hello world\n250-mx.google.com at your service\n250 AUTH LOGIN PLAIN CRAM-MD5\n";

  it("on a refusal sends '*', reads one reply, then QUIT", async () => {
    const { t, c } = await session(
      `${ehlo}535-Invalid credentials\n535 please see www.example.com\n501 cancelled\n221 Goodbye\n`,
      "smtp.google.com",
      { tlsActive: true },
    );
    const err = (await c
      .auth(plainAuth("", "user", "pass", "smtp.google.com"))
      .catch((e: unknown) => e)) as SmtpReplyError;
    expect(err).toBeInstanceOf(SmtpReplyError);
    expect(err.replyCode).toBe(535);
    expect(err.message).toBe("Invalid credentials\nplease see www.example.com");
    expect(err.command).toBe("AUTH PLAIN <redacted>");
    expect(err.phase).toBe("auth");
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH PLAIN AHVzZXIAcGFzcw==\n*\nQUIT\n"));
    expect(c.closed).toBe(true);
  });

  it("a refusal in start sends only QUIT (Go's behaviour)", async () => {
    const { t, c } = await session(`${ehlo}221 bye\n`);
    // Not TLS and not localhost: PLAIN refuses to start.
    await expect(c.auth(plainAuth("", "user", "pass", "fake.host"))).rejects.toThrow(
      "unencrypted connection",
    );
    expect(t.written).toBe(crlf("EHLO localhost\nQUIT\n"));
  });

  it("drives 334 challenges through next(..., true) and the 235 text through next(..., false)", async () => {
    const seen: [string, boolean][] = [];
    const steps = ["dXNlcg==", "cGFzcw=="];
    const a: Auth = {
      start: () => ({ mechanism: "LOGIN" }),
      next: (fromServer, more) => {
        seen.push([Buffer.from(fromServer).toString(), more]);
        return more ? Buffer.from(Buffer.from(steps.shift()!, "base64")) : null;
      },
    };
    const { t, c } = await session(
      `${ehlo}334 VXNlcm5hbWU6\n334 UGFzc3dvcmQ6\n235 2.7.0 Authentication successful\n`,
    );
    await c.auth(a);
    expect(seen).toEqual([
      ["Username:", true],
      ["Password:", true],
      ["2.7.0 Authentication successful", false],
    ]);
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH LOGIN\ndXNlcg==\ncGFzcw==\n"));
  });

  it("an empty initial response is '=' (RFC 4954 §4), an empty answer an empty line", async () => {
    const a: Auth = {
      start: () => ({ mechanism: "EXTERNAL", initialResponse: new Uint8Array(0) }),
      next: (_fromServer, more) => (more ? new Uint8Array(0) : null),
    };
    const { t, c } = await session(`${ehlo}334 \n235 ok\n`);
    await c.auth(a);
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH EXTERNAL =\n\n"));
  });

  it("invalid base64 in a 334 cancels with '*' then QUIT", async () => {
    const a: Auth = {
      start: () => ({ mechanism: "LOGIN" }),
      next: () => new Uint8Array(0),
    };
    const { t, c } = await session(`${ehlo}334 not*base64!\n501 cancelled\n221 bye\n`);
    const err = await c.auth(a).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpProtocolError);
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH LOGIN\n*\nQUIT\n"));
  });

  it("a mechanism that throws in next cancels with '*' then QUIT", async () => {
    const a: Auth = {
      start: () => ({ mechanism: "CRAM-MD5" }),
      next: () => {
        throw new Error("unexpected server challenge");
      },
    };
    const { t, c } = await session(`${ehlo}334 PDEyMz4=\n501 cancelled\n221 bye\n`);
    await expect(c.auth(a)).rejects.toThrow("unexpected server challenge");
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH CRAM-MD5\n*\nQUIT\n"));
  });

  it("authenticate() falls back to the next mechanism on 535 and reports the one that worked", async () => {
    const { t, c } = await session(
      "220 hi\n250-mx\n250 AUTH PLAIN CRAM-MD5\n535 5.7.8 no\n235 2.7.0 ok\n",
      "localhost",
    );
    const used = await c.authenticate({ username: "user", password: "pass" });
    expect(used).toBe("PLAIN");
    // CRAM-MD5 is tried first (stronger), refused with 535, then PLAIN.
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH CRAM-MD5\nAUTH PLAIN AHVzZXIAcGFzcw==\n"));
  });

  it("authenticate() can be limited to some mechanisms", async () => {
    const { t, c } = await session(
      "220 hi\n250-mx\n250 AUTH PLAIN CRAM-MD5\n235 2.7.0 ok\n",
      "localhost",
    );
    expect(
      await c.authenticate({ username: "user", password: "pass" }, { mechanisms: ["plain"] }),
    ).toBe("PLAIN");
    expect(t.written).toBe(crlf("EHLO localhost\nAUTH PLAIN AHVzZXIAcGFzcw==\n"));
  });

  it("authenticate() gives up after the last mechanism is refused, with QUIT", async () => {
    const { t, c } = await session(
      "220 hi\n250-mx\n250 AUTH PLAIN CRAM-MD5\n535 no\n535 5.7.8 still no\n221 bye\n",
      "localhost",
    );
    await expect(c.authenticate({ username: "user", password: "pass" })).rejects.toMatchObject({
      replyCode: 535,
      enhancedCode: "5.7.8",
      phase: "auth",
    });
    expect(t.written).toBe(
      crlf("EHLO localhost\nAUTH CRAM-MD5\nAUTH PLAIN AHVzZXIAcGFzcw==\nQUIT\n"),
    );
    expect(c.closed).toBe(true);
  });

  it("authenticate() without AUTH advertised fails before writing AUTH", async () => {
    const { t, c } = await session("220 hi\n250 mx\n");
    await expect(c.authenticate({ username: "u", password: "p" })).rejects.toMatchObject({
      code: "ERR_EXTENSION_NOT_SUPPORTED",
      message: "server doesn't support AUTH",
    });
    expect(t.written).toBe(crlf("EHLO localhost\n"));
  });

  it("the transcript hook sees AUTH payloads redacted, in both directions", async () => {
    const lines: string[] = [];
    const { c } = await session(
      `${ehlo}334 PDEyMzQ1QGV4YW1wbGU+\n235 2.7.0 ok\n250 ok\n`,
      "fake.host",
      {
        onLine: (dir, line) => lines.push(`${dir === "client" ? "C" : "S"}: ${line}`),
      },
    );
    await c.auth({
      start: () => ({ mechanism: "CRAM-MD5" }),
      next: (_s, more) => (more ? Buffer.from("user secretdigest") : null),
    });
    await c.noop();
    expect(lines).toEqual([
      "S: 220 hello world",
      "C: EHLO localhost",
      "S: 250-mx.google.com at your service",
      "S: 250 AUTH LOGIN PLAIN CRAM-MD5",
      "C: AUTH CRAM-MD5",
      "S: 334 <redacted>",
      "C: <redacted>",
      "S: 235 2.7.0 ok",
      "C: NOOP",
      "S: 250 ok",
    ]);
  });
});

describe("arguments are checked before anything is written", () => {
  const bad = ["a\r\nRSET", "a\rb", "a\nb"];
  const calls: [string, (c: Client, v: string) => Promise<unknown>][] = [
    ["hello", (c, v) => c.hello(v)],
    ["mail", (c, v) => c.mail(v)],
    ["rcpt", (c, v) => c.rcpt(v)],
    ["verify", (c, v) => c.verify(v)],
    ["send from", (c, v) => c.send({ from: v, to: ["b@example.org"] }, "x")],
    ["send to", (c, v) => c.send({ from: "a@example.org", to: ["ok@example.org", v] }, "x")],
  ];
  for (const [name, call] of calls) {
    for (const value of bad) {
      it(`${name} ${JSON.stringify(value)}`, async () => {
        const { t, c } = await session("220 hi\n250 mx\n");
        const err = await call(c, value).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect((err as Error).message).toBe("a line must not contain CR or LF");
        expect(t.written).toBe("");
      });
    }
    it(`${name} with NUL or another control character`, async () => {
      const { t, c } = await session("220 hi\n250 mx\n");
      for (const value of ["a\u0000b", "a\u0007b", "a\u007fb"]) {
        await expect(call(c, value)).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      expect(t.written).toBe("");
    });
  }

  it("option values: DSN envId and orcpt with CR/LF never reach the wire", async () => {
    const { t, c } = await session("220 hi\n250-mx\n250 DSN\n");
    await expect(c.mail("a@example.org", { envId: "x\r\nRSET" })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(c.rcpt("b@example.org", { orcpt: "rfc822;b\r\nRSET" })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    // Not even the lazy EHLO: an option value's form is checked before the first byte.
    expect(t.written).toBe("");
  });

  it("the local name in the options", async () => {
    const t = new ScriptedTransport("220 hi\n");
    await expect(Client.create(t, "h", { localName: "x\r\nQUIT" })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(t.written).toBe("");
    t.destroy();
  });
});

describe("STARTTLS", () => {
  it("bytes after the 220 and before the handshake are response injection", async () => {
    const { t, c } = await session("220 hi\n250-mx\n250 STARTTLS\n220 go ahead\n250 injected\n");
    const err = (await c.startTls().catch((e: unknown) => e)) as TlsError;
    expect(err).toBeInstanceOf(TlsError);
    expect(err.code).toBe("ERR_STARTTLS_INJECTION");
    expect(t.written).toBe(crlf("EHLO localhost\nSTARTTLS\n"));
    expect(t.destroyed).toBe(true);
    expect(c.closed).toBe(true);
  });

  it("tlsConnectionState is undefined on a plain connection", async () => {
    const { c } = await session("220 hi\n");
    expect(c.tlsConnectionState()).toBeUndefined();
  });
});

describe("LMTP (RFC 2033)", () => {
  it("sends LHLO and never falls back to HELO", async () => {
    const { t, c } = await session("220 lmtp\n500 no\n", "fake.host", { lmtp: true });
    await expect(c.noop()).rejects.toMatchObject({ replyCode: 500, phase: "hello" });
    expect(t.written).toBe(crlf("LHLO localhost\n"));
  });

  it("data() reads one final reply per accepted recipient", async () => {
    const { t, c } = await session(
      "220 lmtp\n250-lmtp\n250 PIPELINING\n250 ok\n250 ok\n550 no\n250 ok\n354 go\n250 2.0.0 a ok\n250 2.0.0 c ok\n",
      "fake.host",
      { lmtp: true },
    );
    await c.mail("s@example.org");
    await c.rcpt("a@example.org");
    await expect(c.rcpt("b@example.org")).rejects.toMatchObject({ replyCode: 550 });
    await c.rcpt("c@example.org");
    const w = await c.data();
    await w.write("Hi\n");
    expect(await w.close()).toMatchObject({ code: 250, message: "2.0.0 c ok" });
    expect(t.written).toBe(
      crlf(
        "LHLO localhost\nMAIL FROM:<s@example.org>\nRCPT TO:<a@example.org>\nRCPT TO:<b@example.org>\nRCPT TO:<c@example.org>\nDATA\nHi\n.\n",
      ),
    );
  });
});

describe("close", () => {
  it("is idempotent and AsyncDisposable", async () => {
    const { t, c } = await session("220 hi\n");
    await c.close();
    await c.close();
    await c[Symbol.asyncDispose]();
    expect(c.closed).toBe(true);
    expect(t.destroyed).toBe(true);
    await expect(c.noop()).rejects.toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
  });
});
