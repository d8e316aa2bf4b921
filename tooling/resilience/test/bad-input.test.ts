// Bad input from the caller (issue 7): every argument that reaches a command line, with
// CR, LF, NUL and the other C0 controls (and DEL), is refused with a typed error and
// ZERO bytes are written after the greeting; the hostile server (here a correct one)
// records every byte it received, so "zero" is checked, not assumed. Then the local
// refusals: a non-ASCII address without SMTPUTF8, a body over SIZE, BINARYMIME without
// BINARYMIME and CHUNKING: nothing after EHLO.

import { AuthError } from "@smtp/auth";
import {
  type Client,
  dial,
  ExtensionNotSupportedError,
  InvalidArgumentError,
  MessageTooLargeError,
  SmtpError,
} from "@smtp/client";
import { createSender, InvalidAddressError, SendError, sendMail } from "@smtp/send";
import { describe, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "../src/hostile-server.js";
import { guardEachTest, rejection } from "./support/guards.js";
import { PASSWORD } from "./support/secrets.js";

const defer = guardEachTest();
// Generous: no test here is about a deadline, and a loaded CI machine must not make one.
const TIMEOUTS = { connect: 10_000, greeting: 10_000, command: 10_000, finalReply: 10_000 };
const EXTENSIONS = [
  "PIPELINING",
  "8BITMIME",
  "ENHANCEDSTATUSCODES",
  "DSN",
  "SIZE 1000",
  "MT-PRIORITY",
  "DELIVERBY",
  "AUTH PLAIN LOGIN",
];

/** CR, LF, CRLF, NUL, other C0 controls (TAB, ESC, ...) and DEL. */
const CONTROLS: [string, string][] = [
  ["CR", "\r"],
  ["LF", "\n"],
  ["CRLF", "\r\n"],
  ["NUL", "\0"],
  ["SOH", "\x01"],
  ["BS", "\b"],
  ["TAB", "\t"],
  ["VT", "\v"],
  ["FF", "\f"],
  ["ESC", "\x1b"],
  ["US", "\x1f"],
  ["DEL", "\x7f"],
];

/** A value with the control in the middle, followed by what an attacker would smuggle. */
const poisoned = (control: string, before = "x") => `${before}${control}RSET`;

async function server(extensions = EXTENSIONS): Promise<HostileServer> {
  const s = await startHostileServer({ extensions });
  defer(() => s.close());
  return s;
}

async function client(s: HostileServer): Promise<Client> {
  const c = await dial(s.address, { localName: "client.test", timeouts: TIMEOUTS });
  defer(() => c.close());
  return c;
}

/** Closes the client and returns every byte the server received from it (after its greeting). */
async function wire(s: HostileServer, c: Client, index = 0): Promise<string> {
  await c.close();
  for (let i = 0; i < 500 && s.sessions[index]?.socket.destroyed !== true; i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return s.received(index).toString("latin1");
}

function expectTyped(error: Error): void {
  const typed =
    error instanceof SmtpError || error instanceof SendError || error instanceof AuthError;
  expect(typed, `${error.name}: ${error.message}`).toBe(true);
  expect(typeof (error as { code?: unknown }).code).toBe("string");
}

const ENUMS = /\{ (ret|body|deliverBy\.mode|notify) \}/;

type Call = (c: Client, value: string) => Promise<unknown>;

const CLIENT_CALLS: [string, Call, (control: string) => string][] = [
  ["hello(name)", (c, v) => c.hello(v), (x) => poisoned(x, "client.test")],
  ["mail(from)", (c, v) => c.mail(v), (x) => `a${x}@example.org`],
  ["rcpt(to)", (c, v) => c.rcpt(v), (x) => `b${x}@example.org`],
  ["verify(address)", (c, v) => c.verify(v), (x) => `b${x}@example.org`],
  [
    "send({ from })",
    (c, v) => c.send({ from: v, to: ["b@example.org"] }, "body\r\n"),
    (x) => `a${x}@example.org`,
  ],
  [
    "send({ to })",
    (c, v) => c.send({ from: "a@example.org", to: ["b@example.org", v] }, "body\r\n"),
    (x) => `b${x}@example.org`,
  ],
  [
    "mail(from, { envId })",
    (c, v) => c.mail("a@example.org", { envId: v }),
    (x) => poisoned(x, "msg-1"),
  ],
  [
    "mail(from, { ret })",
    (c, v) => c.mail("a@example.org", { ret: v as "FULL" }),
    (x) => poisoned(x, "FULL"),
  ],
  [
    "mail(from, { body })",
    (c, v) => c.mail("a@example.org", { body: v as "8BITMIME" }),
    (x) => poisoned(x, "8BITMIME"),
  ],
  [
    "mail(from, { deliverBy.mode })",
    (c, v) => c.mail("a@example.org", { deliverBy: { seconds: 60, mode: v as "R" } }),
    (x) => poisoned(x, "R"),
  ],
  [
    "send({ to: [{ options: { orcpt } }] })",
    (c, v) =>
      c.send(
        { from: "a@example.org", to: [{ address: "b@example.org", options: { orcpt: v } }] },
        "x",
      ),
    (x) => `rfc822;b${x}@example.org`,
  ],
  [
    "rcpt(to, { notify })",
    (c, v) => c.rcpt("b@example.org", { notify: [v as "SUCCESS"] }),
    (x) => poisoned(x, "SUCCESS"),
  ],
  [
    "send({ mailOptions: { envId } })",
    (c, v) =>
      c.send({ from: "a@example.org", to: ["b@example.org"], mailOptions: { envId: v } }, "x"),
    (x) => poisoned(x, "msg-1"),
  ],
];

describe("command arguments with control characters: typed error, zero bytes after the greeting", () => {
  for (const [name, call, value] of CLIENT_CALLS) {
    describe(name, () => {
      for (const [controlName, control] of CONTROLS) {
        it(`with ${controlName}`, async () => {
          const s = await server();
          const c = await client(s);
          const error = await rejection(call(c, value(control)));
          expectTyped(error);
          // Go's text for CR and LF in a free-form value; an enum value (ret, body,
          // notify, deliverBy.mode) is refused as not one of its values.
          if (/^(CR|LF|CRLF)$/.test(controlName) && !ENUMS.test(name)) {
            expect(error).toBeInstanceOf(InvalidArgumentError);
            expect(error.message).toBe("a line must not contain CR or LF");
          }
          expect(await wire(s, c)).toBe("");
        });
      }
    });
  }

  for (const [controlName, control] of CONTROLS) {
    it(`dial({ localName }) with ${controlName}: InvalidArgumentError, nothing written, nothing left open`, async () => {
      const s = await server();
      const error = await rejection(
        dial(s.address, { localName: poisoned(control, "client.test"), timeouts: TIMEOUTS }),
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(s.receivedAll().toString("latin1")).toBe("");
    });

    it(`sendMail(from, to) with ${controlName}: InvalidAddressError before dialing`, async () => {
      const s = await server();
      for (const [from, to] of [
        [`a${control}@example.org`, ["b@example.org"]],
        ["a@example.org", ["b@example.org", `c${control}@example.org`]],
      ] as const) {
        const error = await rejection(sendMail(s.address, null, from, to, "x", { tls: "none" }));
        expect(error).toBeInstanceOf(InvalidAddressError);
        expect(error).toMatchObject({ code: "ERR_INVALID_ADDRESS" });
        // The address is not echoed back: it may be hostile.
        expect(error.message).not.toContain(control === "\0" ? "\0" : `a${control}@`);
      }
      expect(s.sessions).toHaveLength(0);
    });

    it(`sendMail({ localName, mailOptions.envId, rcptOptions.orcpt }) with ${controlName}: typed error, zero bytes after the greeting`, async () => {
      const s = await server();
      const attempts: Record<string, unknown>[] = [
        { localName: poisoned(control, "client.test") },
        { mailOptions: { envId: poisoned(control, "msg-1") } },
        { rcptOptions: { orcpt: `rfc822;b${control}@example.org` } },
      ];
      for (const options of attempts) {
        const error = await rejection(
          sendMail(s.address, null, "a@example.org", ["b@example.org"], "x", {
            tls: "none",
            timeouts: TIMEOUTS,
            ...options,
          }),
        );
        expectTyped(error);
      }
      for (let i = 0; i < 500 && s.sessions.some((x) => !x.socket.destroyed); i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(s.sessions.map((x) => x.received().toString("latin1"))).toEqual(
        s.sessions.map(() => ""),
      );
    });

    for (const field of ["username", "identity"] as const) {
      it(`authenticate({ ${field} }) with ${controlName}: typed error, no AUTH written`, async () => {
        const s = await server();
        const c = await client(s);
        await c.extensions();
        const credentials =
          field === "username"
            ? { username: `alice${control}bob`, password: PASSWORD }
            : { username: "alice", identity: `admin${control}bob`, password: PASSWORD };
        const error = await rejection(c.authenticate(credentials));
        expectTyped(error);
        const after = (await wire(s, c)).replace("EHLO client.test\r\n", "");
        // authenticate() may end the session with QUIT; nothing else may follow EHLO.
        expect(["", "QUIT\r\n"]).toContain(after);
      });
    }
  }
});

describe("an unknown bareCr value: refused before any connection", () => {
  it("dial(), sendMail() and createSender() refuse it with InvalidArgumentError; the server sees no session", async () => {
    const s = await server();
    const bogus = { bareCr: "strip" } as unknown as { bareCr: "pass" };
    expect(await rejection(dial(s.address, { ...bogus, timeouts: TIMEOUTS }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(
      await rejection(
        sendMail(s.address, null, "a@example.org", ["b@example.org"], "x", {
          tls: "none",
          ...bogus,
        }),
      ),
    ).toBeInstanceOf(InvalidArgumentError);
    expect(() => createSender({ addr: s.address, tls: "none", ...bogus })).toThrow(
      InvalidArgumentError,
    );
    expect(s.sessions).toHaveLength(0);
  });
});

describe("local refusals: nothing after EHLO", () => {
  const EHLO_ONLY = "EHLO client.test\r\n";

  it("a non-ASCII address without SMTPUTF8: ExtensionNotSupportedError", async () => {
    const s = await server();
    const c = await client(s);
    for (const envelope of [
      { from: "jösé@example.org", to: ["b@example.org"] },
      { from: "a@example.org", to: ["b@exämple.org"] },
    ]) {
      const error = await rejection(c.send(envelope, "body\r\n"));
      expect(error).toBeInstanceOf(ExtensionNotSupportedError);
      expect(error).toMatchObject({ code: "ERR_EXTENSION_NOT_SUPPORTED" });
    }
    expect(await wire(s, c)).toBe(EHLO_ONLY);
  });

  it("a body over the advertised SIZE: MessageTooLargeError before MAIL", async () => {
    const s = await server();
    const c = await client(s);
    const error = await rejection(
      c.send({ from: "a@example.org", to: ["b@example.org"] }, "x".repeat(2_000)),
    );
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error).toMatchObject({ code: "ERR_MESSAGE_TOO_LARGE" });
    // An explicit size over the limit too.
    const explicit = await rejection(c.mail("a@example.org", { size: 1_001 }));
    expect(explicit).toBeInstanceOf(MessageTooLargeError);
    expect(await wire(s, c)).toBe(EHLO_ONLY);
  });

  for (const extensions of [
    [...EXTENSIONS],
    [...EXTENSIONS, "BINARYMIME"],
    [...EXTENSIONS, "CHUNKING"],
  ]) {
    const offered = extensions.filter((e) => e === "BINARYMIME" || e === "CHUNKING");
    it(`BODY=BINARYMIME with ${offered.join("+") || "neither BINARYMIME nor CHUNKING"}: ExtensionNotSupportedError`, async () => {
      const s = await server(extensions);
      const c = await client(s);
      const binary = new Uint8Array([0, 1, 2, 0xff, 0x0d, 0x2e, 0x0a, 0]);
      const error = await rejection(
        c.send(
          { from: "a@example.org", to: ["b@example.org"], mailOptions: { body: "BINARYMIME" } },
          binary,
        ),
      );
      expect(error).toBeInstanceOf(ExtensionNotSupportedError);
      expect(await wire(s, c)).toBe(EHLO_ONLY);
    });
  }

  it("sendMail with a body over SIZE: MessageTooLargeError, no MAIL on the wire", async () => {
    const s = await server();
    const error = await rejection(
      sendMail(s.address, null, "a@example.org", ["b@example.org"], "y".repeat(5_000), {
        tls: "none",
        localName: "client.test",
        timeouts: TIMEOUTS,
      }),
    );
    expect(error).toBeInstanceOf(MessageTooLargeError);
    for (let i = 0; i < 500 && s.sessions[0]?.socket.destroyed !== true; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(s.sessions[0]!.commands.filter((l) => !/^(EHLO|QUIT)/.test(l))).toEqual([]);
  });
});
