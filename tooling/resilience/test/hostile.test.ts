// The hostile-server suite (issue 7): one behaviour per test, each through the one
// scriptable server. For each: the typed error (class, code, phase), the deadline
// honoured (small timeouts; the test asserts the TYPE and phase, never a duration), no
// unhandled rejection and no handle left (guards.ts), and no credential on the wire
// where it must not be (the server records every byte it received).

import { connect } from "node:net";
import { plainAuth } from "@smtp/auth";
import {
  ConnectionClosedError,
  dial,
  SmtpError,
  SmtpProtocolError,
  SmtpReplyError,
  TimeoutError,
  TlsError,
} from "@smtp/client";
import { sendMail, TlsRequiredError } from "@smtp/send";
import { makeTestPki } from "@smtp/test-certs";
import { LineTooLongError, Reader } from "@smtp/textproto";
import { describe, expect, it } from "vitest";
import {
  closesDuringData,
  failsHandshake,
  hugeLine,
  injectsAfterStartTls,
  invalidBase64Challenge,
  invalidBase64SecondChallenge,
  neverGreets,
  outOfStep,
  randomGarbage,
  refusesEveryMechanism,
  replyAt,
  stallsMidReply,
  writes,
} from "../src/behaviours.js";
import type { HostileServer } from "../src/hostile-server.js";
import { guardEachTest, rejection } from "./support/guards.js";
import { harness } from "./support/harness.js";
import { expectNoCredential, PASSWORD, USER } from "./support/secrets.js";

const defer = guardEachTest();
// Where a deadline is the subject, it is short (the test asserts its type and phase, never
// a duration). Everywhere else it is generous, so a loaded CI machine cannot turn the
// failure under test into a timeout.
const DEADLINE = { connect: 2_000, greeting: 300, command: 300, finalReply: 300 };
const TIMEOUTS = { connect: 10_000, greeting: 10_000, command: 10_000, finalReply: 10_000 };
const MIB = 1024 * 1024;

const { server, client } = harness(defer, TIMEOUTS);

/** Waits (a bounded number of turns) until the server has seen the client go away. */
async function serverSawClose(s: HostileServer, index = 0): Promise<void> {
  for (let i = 0; i < 500 && s.sessions[index]?.socket.destroyed !== true; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("a server that never greets", () => {
  it("dial: TimeoutError in phase greeting, the socket destroyed", async () => {
    const s = await server({ hook: neverGreets() });
    const error = await rejection(dial(s.address, { timeouts: DEADLINE }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "ERR_TIMEOUT", phase: "greeting" });
    await serverSawClose(s);
    expect(s.sessions[0]!.socket.destroyed).toBe(true);
    expect(s.received()).toHaveLength(0);
  });

  it("sendMail: the same error, no credential sent", async () => {
    const s = await server({ hook: neverGreets() });
    const error = await rejection(
      sendMail(
        s.address,
        { username: USER, password: PASSWORD },
        "a@example.org",
        ["b@example.org"],
        "x",
        {
          timeouts: DEADLINE,
        },
      ),
    );
    expect(error).toMatchObject({ name: "TimeoutError", code: "ERR_TIMEOUT", phase: "greeting" });
    expectNoCredential(s.receivedAll());
  });
});

describe("a server that stalls in the middle of a multi-line reply", () => {
  it('EHLO answered "250-first" then silence: TimeoutError in phase hello, session closed', async () => {
    const s = await server({ hook: stallsMidReply("EHLO") });
    const c = await client(s, DEADLINE);
    const error = await rejection(c.extensions());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: "ERR_TIMEOUT", phase: "hello" });
    expect(c.closed).toBe(true);
    // A later call does not read the rest of that reply: the session is over.
    expect(await rejection(c.noop())).toBeInstanceOf(ConnectionClosedError);
  });

  it('the greeting itself "220-first" then silence: TimeoutError in phase greeting', async () => {
    const s = await server({ hook: stallsMidReply("connect", "220-first") });
    const error = await rejection(dial(s.address, { timeouts: DEADLINE }));
    expect(error).toMatchObject({ name: "TimeoutError", phase: "greeting" });
  });

  it("MAIL answered half-way: TimeoutError in phase command, nothing delivered", async () => {
    const s = await server({ hook: stallsMidReply("MAIL", "250-2.1.0 sender") });
    const c = await client(s, DEADLINE);
    const error = await rejection(
      c.send({ from: "a@example.org", to: ["b@example.org"] }, "body\r\n"),
    );
    expect(error).toMatchObject({ name: "TimeoutError", phase: "command" });
    expect(s.messages).toEqual([]);
  });
});

describe("a line of 1 MiB without CRLF", () => {
  it("as the greeting: SmtpProtocolError (LineTooLongError) in phase greeting", async () => {
    const s = await server({ hook: hugeLine(MIB, "connect") });
    const error = await rejection(dial(s.address, { timeouts: TIMEOUTS }));
    expect(error).toBeInstanceOf(SmtpProtocolError);
    expect(error).toMatchObject({ code: "ERR_SMTP_PROTOCOL", phase: "greeting" });
    expect(error.cause).toBeInstanceOf(LineTooLongError);
  });

  it("as the EHLO reply: SmtpProtocolError in phase hello, no HELO tried on the broken stream", async () => {
    const s = await server({ hook: hugeLine(MIB, "EHLO") });
    const c = await client(s);
    const error = await rejection(c.extensions());
    expect(error).toMatchObject({ name: "SmtpProtocolError", phase: "hello" });
    expect(error.cause).toBeInstanceOf(LineTooLongError);
    expect(c.closed).toBe(true);
    expect(s.sessions[0]!.commands).toEqual(["EHLO client.test"]);
  });

  it("memory stays bounded: the reader fails at the limit and never holds the megabyte", async () => {
    // The server sends 1 MiB of "a", then a CRLF and a real line. The reader must fail
    // the first line with LineTooLongError, discard the rest of it as it arrives, and
    // resynchronise on the next line; its buffer never holds more than a few socket
    // chunks at any moment.
    const s = await server({ hook: hugeLine(MIB, "connect", "\r\n220 after the flood\r\n") });
    const socket = connect(s.port, "127.0.0.1");
    defer(() => socket.destroy());
    const reader = new Reader(socket, { maxLineLength: 8192 });
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, reader.buffered);
    }, 1);
    defer(() => clearInterval(sampler));
    const error = await rejection(reader.readLine());
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as LineTooLongError).limit).toBe(8192);
    expect(await reader.readLine()).toBe("220 after the flood");
    peak = Math.max(peak, reader.buffered);
    clearInterval(sampler);
    expect(peak).toBeLessThan(MIB / 4);
    expect(s.sessions[0]!.socket.bytesWritten).toBeGreaterThan(MIB);
  });
});

describe("garbage", () => {
  for (const seed of [1, 2, 3]) {
    it(`random bytes (seed ${seed}) then CRLF as the greeting: SmtpProtocolError in phase greeting`, async () => {
      const s = await server({
        hook: (step, line, session) => {
          const handled = randomGarbage(seed, 512)(step, line, session);
          if (handled === true) session.write("\r\n");
          return handled;
        },
      });
      const error = await rejection(dial(s.address, { timeouts: TIMEOUTS }));
      expect(error).toBeInstanceOf(SmtpProtocolError);
      expect(error).toMatchObject({ code: "ERR_SMTP_PROTOCOL", phase: "greeting" });
    });
  }

  for (const [name, text] of [
    ["an HTTP response", "HTTP/1.1 400 Bad Request\r\n\r\n"],
    ["a short line", "22\r\n"],
    ["a code out of range", "099 hello\r\n"],
    ["a code with a sign", "+22 hello\r\n"],
  ] as const) {
    it(`${name} as the greeting: SmtpProtocolError in phase greeting`, async () => {
      const s = await server({ hook: writes("connect", text) });
      const error = await rejection(dial(s.address, { timeouts: TIMEOUTS }));
      expect(error).toMatchObject({
        name: "SmtpProtocolError",
        code: "ERR_SMTP_PROTOCOL",
        phase: "greeting",
      });
    });
  }

  it("a non-reply line as the RCPT reply: SmtpProtocolError in phase command, session ended", async () => {
    const s = await server({
      extensions: ["8BITMIME"],
      hook: writes("RCPT", "hello, this is not SMTP\r\n"),
    });
    const c = await client(s);
    const error = await rejection(
      c.send({ from: "a@example.org", to: ["b@example.org"] }, "body\r\n"),
    );
    expect(error).toMatchObject({ name: "SmtpProtocolError", phase: "command" });
    expect(c.closed).toBe(true);
    expect(s.messages).toEqual([]);
  });
});

describe("the server closes during DATA", () => {
  it("a streamed body: ConnectionClosedError in phase data (the dot never left), nothing stored", async () => {
    const s = await server({ extensions: ["8BITMIME"], hook: closesDuringData(1) });
    const c = await client(s);
    async function* body() {
      yield "first part of the body\r\n";
      await serverSawClose(s);
      // Give the FIN/RST time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield "second part\r\n";
      yield "third part\r\n";
    }
    const error = await rejection(c.send({ from: "a@example.org", to: ["b@example.org"] }, body()));
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: "ERR_CONNECTION_CLOSED", phase: "data" });
    expect(s.messages).toEqual([]);
  });

  it("an in-memory body written with its dot: ConnectionClosedError, phase final-reply (outcome unknown)", async () => {
    const s = await server({ extensions: ["8BITMIME"], hook: closesDuringData(1) });
    const c = await client(s);
    const error = await rejection(
      c.send({ from: "a@example.org", to: ["b@example.org"] }, "short body\r\n"),
    );
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as SmtpError).phase).toMatch(/^(data|final-reply)$/);
    expect(s.messages).toEqual([]);
  });
});

describe("TLS required and attacked", () => {
  const send = (s: HostileServer, ca: string) =>
    sendMail(
      s.address,
      { username: USER, password: PASSWORD },
      "a@example.org",
      ["b@example.org"],
      "secret body\r\n",
      {
        tls: "required",
        tlsOptions: { ca },
        localName: "client.test",
        timeouts: TIMEOUTS,
      },
    );

  it("bytes after the 220 to STARTTLS (response injection): TlsError ERR_STARTTLS_INJECTION, no credential", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({
      extensions: ["STARTTLS", "AUTH PLAIN LOGIN", "PIPELINING"],
      tls: localhost,
      hook: injectsAfterStartTls(),
    });
    const error = await rejection(send(s, ca));
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: "ERR_STARTTLS_INJECTION", phase: "tls" });
    expectNoCredential(s.receivedAll());
    expect(s.sessions[0]!.commands).toEqual(["EHLO client.test", "STARTTLS"]);
  });

  it("a certificate for another host: TlsError ERR_TLS in phase tls, no credential", async () => {
    const { ca, wrongHost } = await makeTestPki();
    const s = await server({ extensions: ["STARTTLS", "AUTH PLAIN LOGIN"], tls: wrongHost });
    const error = await rejection(send(s, ca));
    expect(error).toBeInstanceOf(TlsError);
    expect(error).toMatchObject({ code: "ERR_TLS", phase: "tls" });
    expect((error.cause as { code?: string }).code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expectNoCredential(s.receivedAll());
  });

  for (const how of ["garbage", "close"] as const) {
    it(`STARTTLS offered, then the handshake fails (${how}): TlsError in phase tls, no credential`, async () => {
      const { ca, server: localhost } = await makeTestPki();
      const s = await server({
        extensions: ["STARTTLS", "AUTH PLAIN LOGIN"],
        tls: localhost,
        hook: failsHandshake(how),
      });
      const error = await rejection(send(s, ca));
      expect(error).toBeInstanceOf(TlsError);
      expect(error).toMatchObject({ code: "ERR_TLS", phase: "tls" });
      // Everything after "STARTTLS" is the ClientHello: recorded raw, no credential in it.
      expectNoCredential(s.receivedAll());
    });
  }

  it('STARTTLS not offered with tls "required": TlsRequiredError, only EHLO went out', async () => {
    const s = await server({ extensions: ["AUTH PLAIN LOGIN", "PIPELINING"] });
    const error = await rejection(send(s, "unused"));
    expect(error).toBeInstanceOf(TlsRequiredError);
    expect(error).toMatchObject({ code: "ERR_TLS_REQUIRED" });
    expectNoCredential(s.receivedAll());
    expect(s.sessions[0]!.commands.filter((c) => c !== "QUIT")).toEqual(["EHLO client.test"]);
  });

  it("STARTTLS offered but refused (454): SmtpReplyError in phase tls, no credential (no stripping)", async () => {
    const s = await server({
      extensions: ["STARTTLS", "AUTH PLAIN LOGIN"],
      hook: replyAt("STARTTLS", "454 4.7.0 TLS not available", { close: false }),
    });
    const error = await rejection(send(s, "unused"));
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect(error).toMatchObject({ code: "ERR_SMTP_REPLY", replyCode: 454, phase: "tls" });
    expectNoCredential(s.receivedAll());
  });
});

describe("AUTH attacked", () => {
  it("invalid base64 in a 334: SmtpProtocolError in phase auth, then '*' and QUIT", async () => {
    const s = await server({ extensions: ["AUTH LOGIN"], hook: invalidBase64Challenge() });
    const c = await client(s);
    const error = await rejection(c.authenticate({ username: USER, password: PASSWORD }));
    expect(error).toBeInstanceOf(SmtpProtocolError);
    expect(error).toMatchObject({ code: "ERR_SMTP_PROTOCOL", phase: "auth" });
    expect(s.received().toString("latin1")).toBe("EHLO client.test\r\nAUTH LOGIN\r\n*\r\nQUIT\r\n");
    expect(c.closed).toBe(true);
  });

  it("invalid base64 where LOGIN asks for the password: the password never leaves", async () => {
    const s = await server({ extensions: ["AUTH LOGIN"], hook: invalidBase64SecondChallenge() });
    const c = await client(s);
    const error = await rejection(c.authenticate({ username: USER, password: PASSWORD }));
    expect(error).toMatchObject({ name: "SmtpProtocolError", phase: "auth" });
    const wire = s.received().toString("latin1");
    expect(wire).toBe(
      `EHLO client.test\r\nAUTH LOGIN\r\n${Buffer.from(USER).toString("base64")}\r\n*\r\nQUIT\r\n`,
    );
    expectNoCredential(s.received(), { authCommand: true });
  });

  it("every mechanism refused: authenticate() tries each, then QUIT; SmtpReplyError 535 in phase auth", async () => {
    const s = await server({
      extensions: ["AUTH SCRAM-SHA-256 CRAM-MD5 PLAIN LOGIN"],
      hook: refusesEveryMechanism(),
    });
    const c = await client(s);
    const error = await rejection(c.authenticate({ username: USER, password: PASSWORD }));
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect(error).toMatchObject({ code: "ERR_SMTP_REPLY", replyCode: 535, phase: "auth" });
    const verbs = s.sessions[0]!.commands.map((line) => line.split(" ").slice(0, 2).join(" "));
    expect(verbs).toEqual([
      "EHLO client.test",
      "AUTH SCRAM-SHA-256",
      "AUTH CRAM-MD5",
      "AUTH PLAIN",
      "AUTH LOGIN",
      "QUIT",
    ]);
    expect(c.closed).toBe(true);
    // The redacted command on the error never holds the initial response.
    expect(String((error as SmtpReplyError).command)).not.toContain(
      Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64"),
    );
  });

  it("auth(a) refused (Go's way): '*', one reply, then QUIT", async () => {
    const s = await server({ extensions: ["AUTH PLAIN"], hook: refusesEveryMechanism() });
    const c = await client(s);
    await c.extensions();
    const error = await rejection(c.auth(plainAuth("", USER, PASSWORD, "127.0.0.1")));
    expect(error).toMatchObject({ name: "SmtpReplyError", replyCode: 535, phase: "auth" });
    const lines = s.received().toString("latin1").split("\r\n");
    expect(lines[1]).toMatch(/^AUTH PLAIN \S+$/);
    expect(lines.slice(2)).toEqual(["*", "QUIT", ""]);
  });

  it("sendMail against a server refusing every mechanism: the typed refusal, no MAIL", async () => {
    const s = await server({ extensions: ["AUTH PLAIN LOGIN"], hook: refusesEveryMechanism() });
    const error = await rejection(
      sendMail(
        s.address,
        { username: USER, password: PASSWORD },
        "a@example.org",
        ["b@example.org"],
        "x",
        {
          tls: "none",
          timeouts: TIMEOUTS,
        },
      ),
    );
    expect(error).toMatchObject({ name: "SmtpReplyError", replyCode: 535, phase: "auth" });
    expect(s.sessions[0]!.commands.some((line) => line.startsWith("MAIL"))).toBe(false);
  });
});

describe("pipelined commands answered out of step", () => {
  const envelope = { from: "a@example.org", to: ["b@example.org"] };
  const BODY = "the body must never be sent\r\n";

  for (const how of ["extra", "missing", "reorder"] as const) {
    it(`${how}: a typed error, the body never sent, nothing stored`, async () => {
      const s = await server({ extensions: ["PIPELINING", "8BITMIME"], hook: outOfStep(how) });
      const c = await client(s, how === "missing" ? DEADLINE : TIMEOUTS);
      const error = await rejection(c.send(envelope, BODY));
      expect(error).toBeInstanceOf(SmtpError);
      if (how === "missing")
        expect(error).toMatchObject({ name: "TimeoutError", phase: "command" });
      if (how === "reorder")
        expect(error).toMatchObject({ name: "SmtpReplyError", replyCode: 354, phase: "command" });
      if (how === "extra") expect((error as SmtpError).phase).toBe("data");
      expect(s.received().toString("latin1")).not.toContain("the body must never be sent");
      expect(s.messages).toEqual([]);
    });
  }

  it("after an extra reply the session is out of step: a later send must not be reported sent unless it was stored", async () => {
    const s = await server({ extensions: ["PIPELINING", "8BITMIME"], hook: outOfStep("extra") });
    const c = await client(s);
    await rejection(c.send(envelope, BODY));
    // The server now behaves; the client still holds a reply nobody asked for.
    s.sessions[0]!.state.set("behave", true);
    const next = await c
      .send(envelope, "second message\r\n")
      .then((result) => ({ result }))
      .catch((error: unknown) => ({ error }));
    if ("result" in next) {
      expect(s.messages.map((m) => m.body.toString())).toEqual(["second message\r\n"]);
    } else {
      expect(next.error).toBeInstanceOf(SmtpError);
    }
  });
});
