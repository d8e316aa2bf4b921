// No secret in any error: every failure path below is provoked with a known
// password/token, and the message, stack and own properties are searched for it.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import type { Auth } from "./auth.js";
import { chooseMechanisms } from "./choose.js";
import { AuthError } from "./errors.js";
import { loginAuth } from "./login.js";
import { oauthBearerAuth } from "./oauthbearer.js";
import { plainAuth } from "./plain.js";
import { scramSha1Auth, scramSha256Auth } from "./scram.js";
import type { ServerInfo } from "./server-info.js";
import { xoauth2Auth } from "./xoauth2.js";

const PASSWORD = "Sup3r-Secret-Pässword";
const TOKEN = "ya29.TOKEN-secret-value";
// The RFC 5802 §5 client proof and server signature: derived secrets.
const PROOF = "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
const SIGNATURE = "rmF9pqV8S7suAoZWja4dJRkFsKQ=";
const SECRETS = [PASSWORD, TOKEN, PROOF, SIGNATURE, "pencil"];

const enc = (s: string) => new TextEncoder().encode(s);
const tlsServer: ServerInfo = { name: "mail.example.com", tls: true, auth: [] };

async function failure(work: () => unknown): Promise<AuthError> {
  try {
    await work();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
  throw new Error("expected a failure");
}

async function scramAfterFirst(a: Auth): Promise<Auth> {
  await a.start(tlsServer);
  await a.next(enc("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"), true);
  return a;
}
const rfc5802 = () => scramSha1Auth("user", "pencil", { nonce: () => "fyko+d2lbbFgONRv9qkxdawL" });

const cases: [string, () => unknown][] = [
  [
    "PLAIN unencrypted",
    () => plainAuth("", "u", PASSWORD, "h").start({ name: "h", tls: false, auth: [] }),
  ],
  [
    "PLAIN wrong host",
    () => plainAuth("", "u", PASSWORD, "h").start({ name: "x", tls: true, auth: [] }),
  ],
  [
    "PLAIN NUL in password",
    () => plainAuth("", "u", `${PASSWORD}\0`, "mail.example.com").start(tlsServer),
  ],
  [
    "LOGIN unencrypted",
    () => loginAuth("u", PASSWORD, "h").start({ name: "h", tls: false, auth: [] }),
  ],
  ["XOAUTH2 bad token", () => xoauth2Auth("u", `${TOKEN}\n`, "mail.example.com").start(tlsServer)],
  [
    "OAUTHBEARER token provider throws",
    () =>
      oauthBearerAuth(
        "u",
        () => {
          throw new Error("refresh failed");
        },
        "mail.example.com",
      ).start(tlsServer),
  ],
  [
    "OAUTHBEARER error challenge",
    async () => {
      const a = oauthBearerAuth("u", TOKEN, "mail.example.com");
      await a.start(tlsServer);
      await a.next(enc('{"status":"invalid_token"}'), true);
      await a.next(enc(""), true);
    },
  ],
  ["SCRAM prohibited password", () => scramSha256Auth("u", `${PASSWORD}\u0007`).start(tlsServer)],
  ["SCRAM bad signature", async () => (await scramAfterFirst(rfc5802())).next(enc("v=AAAA"), true)],
  [
    "SCRAM success without signature",
    async () => (await scramAfterFirst(rfc5802())).next(enc("ok"), false),
  ],
  [
    "SCRAM server error",
    async () => (await scramAfterFirst(rfc5802())).next(enc("e=invalid-proof"), true),
  ],
  [
    "SCRAM weak iterations",
    async () => {
      const a = rfc5802();
      await a.start(tlsServer);
      await a.next(enc("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1"), true);
    },
  ],
  [
    "chooser-built PLAIN on the wrong host",
    () =>
      chooseMechanisms({ username: "u", password: PASSWORD }, ["PLAIN"], { host: "h" })[0]!.start({
        name: "x",
        tls: true,
        auth: [],
      }),
  ],
];

describe("no secret in any error", () => {
  it.each(cases)("%s", async (_name, work) => {
    const error = await failure(work);
    expect(typeof error.code).toBe("string");
    expect(error.code).toMatch(/^ERR_AUTH/);
    const shown = [
      error.message,
      String(error.stack),
      JSON.stringify(error),
      inspect(error, { depth: 0 }),
    ];
    for (const secret of SECRETS) {
      for (const text of shown) expect(text).not.toContain(secret);
    }
  });
});
