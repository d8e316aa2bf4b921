import { describe, expect, it } from "vitest";
import { cramMd5Auth } from "./cram-md5.js";
import { InvalidCredentialsError, UnexpectedChallengeError } from "./errors.js";
import { loginAuth } from "./login.js";
import { oauthBearerAuth } from "./oauthbearer.js";
import { plainAuth } from "./plain.js";
import type { ServerInfo } from "./server-info.js";
import { xoauth2Auth } from "./xoauth2.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("PLAIN (RFC 4616)", () => {
  const server: ServerInfo = { name: "mail.example.com", tls: true, auth: ["PLAIN"] };

  it("RFC 4616 §4 example 1: tim / tanstaaftanstaaf, no authorization identity", async () => {
    const start = await plainAuth("", "tim", "tanstaaftanstaaf", "mail.example.com").start(server);
    expect(start.mechanism).toBe("PLAIN");
    expect(start.initialResponse).toEqual(bytes("\0tim\0tanstaaftanstaaf"));
  });

  it("RFC 4616 §4 example 2: Kurt acting as Ursel", async () => {
    const start = await plainAuth("Ursel", "Kurt", "xipj3plmq", "mail.example.com").start(server);
    expect(start.initialResponse).toEqual(bytes("Ursel\0Kurt\0xipj3plmq"));
  });

  it("sends UTF-8 as it is (Go does not SASLprep PLAIN either)", async () => {
    const start = await plainAuth("", "jürgen", "pass wörd", "mail.example.com").start(server);
    expect(start.initialResponse).toEqual(bytes("\0jürgen\0pass wörd"));
  });

  it("refuses a challenge after the initial response, and returns null on success", async () => {
    const a = plainAuth("", "u", "p", "mail.example.com");
    await a.start(server);
    expect(() => a.next(bytes(""), true)).toThrow(UnexpectedChallengeError);
    expect(() => a.next(bytes(""), true)).toThrow("unexpected server challenge");
    expect(a.next(bytes("2.7.0 Accepted"), false)).toBeNull();
  });

  it.each([
    ["identity", ["a\0b", "u", "p"]],
    ["identity", ["a\r\nb", "u", "p"]],
    ["username", ["", "u\0", "p"]],
    ["username", ["", "u\n", "p"]],
    ["password", ["", "u", "p\0q"]],
  ] as const)(
    "refuses a NUL or line break in the %s",
    async (field, [identity, username, password]) => {
      const a = plainAuth(identity, username, password, "mail.example.com");
      const error = await Promise.resolve()
        .then(() => a.start(server))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidCredentialsError);
      expect((error as InvalidCredentialsError).field).toBe(field);
      expect((error as InvalidCredentialsError).code).toBe("ERR_AUTH_INVALID_CREDENTIALS");
    },
  );

  it("allows CR/LF inside a password: it travels base64-encoded and PLAIN has no line framing", async () => {
    const start = await plainAuth("", "u", "a\r\nb", "mail.example.com").start(server);
    expect(start.initialResponse).toEqual(bytes("\0u\0a\r\nb"));
  });
});

// Go's TestAuth (src/net/smtp/smtp_test.go), ported: same Auths, same server, same bytes.
describe("Go's TestAuth vectors", () => {
  const goServer: ServerInfo = { name: "testserver", tls: true, auth: [] };
  const table = [
    {
      auth: plainAuth("", "user", "pass", "testserver"),
      challenges: [],
      name: "PLAIN",
      responses: ["\0user\0pass"],
    },
    {
      auth: plainAuth("foo", "bar", "baz", "testserver"),
      challenges: [],
      name: "PLAIN",
      responses: ["foo\0bar\0baz"],
    },
    {
      auth: cramMd5Auth("user", "pass"),
      challenges: ["<123456.1322876914@testserver>"],
      name: "CRAM-MD5",
      responses: ["", "user 287eb355114cf5c471c26a875f1ca4ae"],
    },
  ];
  it.each(table.map((t, i) => [i, t] as const))("#%d", async (_i, test) => {
    const start = await test.auth.start(goServer);
    expect(start.mechanism).toBe(test.name);
    // Go compares with bytes.Equal, for which nil equals "": CRAM-MD5 has no initial response.
    expect(start.initialResponse ?? new Uint8Array(0)).toEqual(bytes(test.responses[0]!));
    for (const [j, challenge] of test.challenges.entries()) {
      expect(await test.auth.next(bytes(challenge), true)).toEqual(bytes(test.responses[j + 1]!));
    }
  });
});

// Go's TestAuthPlain refusal table, and the same table for every mechanism that
// sends a reusable secret (our widening of Go's rule).
describe("Go's TestAuthPlain refusal table", () => {
  const rows: { authName: string; server: ServerInfo; err: string }[] = [
    { authName: "servername", server: { name: "servername", tls: true, auth: [] }, err: "" },
    // OK to use PlainAuth on localhost without TLS.
    { authName: "localhost", server: { name: "localhost", tls: false, auth: [] }, err: "" },
    // NOT OK on non-localhost, even if server says PLAIN is OK.
    {
      authName: "servername",
      server: { name: "servername", tls: false, auth: ["PLAIN"] },
      err: "unencrypted connection",
    },
    {
      authName: "servername",
      server: { name: "servername", tls: false, auth: ["CRAM-MD5"] },
      err: "unencrypted connection",
    },
    {
      authName: "servername",
      server: { name: "attacker", tls: true, auth: [] },
      err: "wrong host name",
    },
    // Widened: the other loopback names, and the name check also applies on loopback.
    { authName: "127.0.0.1", server: { name: "127.0.0.1", tls: false, auth: [] }, err: "" },
    { authName: "::1", server: { name: "::1", tls: false, auth: [] }, err: "" },
    {
      authName: "servername",
      server: { name: "localhost", tls: false, auth: [] },
      err: "wrong host name",
    },
    {
      authName: "localhost.",
      server: { name: "localhost.", tls: false, auth: [] },
      err: "unencrypted connection",
    },
  ];
  const factories = {
    PLAIN: (host: string) => plainAuth("foo", "bar", "baz", host),
    LOGIN: (host: string) => loginAuth("bar", "baz", host),
    XOAUTH2: (host: string) => xoauth2Auth("bar", "token", host),
    OAUTHBEARER: (host: string) => oauthBearerAuth("bar", "token", host),
  };
  for (const [mechanism, make] of Object.entries(factories)) {
    it.each(rows.map((r, i) => [i, r] as const))(`${mechanism} #%d`, async (_i, row) => {
      let got = "";
      try {
        await make(row.authName).start(row.server);
      } catch (error) {
        got = (error as Error).message;
      }
      expect(got).toBe(row.err);
    });
  }

  it("never calls a token provider when the server is refused", async () => {
    let calls = 0;
    const provider = () => {
      calls++;
      return "token";
    };
    const server: ServerInfo = { name: "servername", tls: false, auth: [] };
    await expect(xoauth2Auth("u", provider, "servername").start(server)).rejects.toThrow(
      "unencrypted connection",
    );
    await expect(oauthBearerAuth("u", provider, "servername").start(server)).rejects.toThrow(
      "unencrypted connection",
    );
    expect(calls).toBe(0);
  });
});
