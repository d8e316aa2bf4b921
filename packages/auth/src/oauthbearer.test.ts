import { describe, expect, it } from "vitest";
import { InvalidCredentialsError, OAuthBearerError, TokenProviderError } from "./errors.js";
import { oauthBearerAuth } from "./oauthbearer.js";
import type { ServerInfo } from "./server-info.js";

const b64 = (b: Uint8Array | null | undefined) =>
  Buffer.from(b ?? new Uint8Array(0)).toString("base64");
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const server: ServerInfo = { name: "server.example.com", tls: true, auth: ["OAUTHBEARER"] };
const RFC_TOKEN = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

describe("OAUTHBEARER (RFC 7628)", () => {
  it("RFC 7628 §4.1 (IMAP, port 143): the initial client response, byte for byte", async () => {
    const a = oauthBearerAuth("user@example.com", RFC_TOKEN, "server.example.com", { port: 143 });
    const start = await a.start(server);
    expect(start.mechanism).toBe("OAUTHBEARER");
    expect(b64(start.initialResponse)).toBe(
      "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
    );
    expect(await a.next(new TextEncoder().encode("2.7.0 ok"), false)).toBeNull();
  });

  it("RFC 7628 §4.2 (SMTP, port 587): the initial client response", async () => {
    const a = oauthBearerAuth("user@example.com", RFC_TOKEN, "server.example.com", { port: 587 });
    const start = await a.start(server);
    expect(Buffer.from(start.initialResponse!).toString("latin1")).toBe(
      `n,a=user@example.com,\x01host=server.example.com\x01port=587\x01auth=Bearer ${RFC_TOKEN}\x01\x01`,
    );
  });

  it("RFC 7628 §4.3: answers the JSON error challenge with 0x01, then reports a typed error", async () => {
    const a = oauthBearerAuth("user@example.com", RFC_TOKEN, "server.example.com", { port: 587 });
    await a.start(server);
    const challenge = fromB64(
      "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=",
    );
    const response = await a.next(challenge, true);
    expect(b64(response)).toBe("AQ=="); // the single %x01 of §3.2.3
    // S: 535 5.7.8: the client asks the mechanism why.
    const failure = a.failure?.();
    expect(failure).toBeInstanceOf(OAuthBearerError);
    const error = failure as OAuthBearerError;
    expect(error.code).toBe("ERR_AUTH_OAUTH");
    expect(error.status).toBe("invalid_token");
    expect(error.scope).toBe("example_scope");
    expect(error.openidConfiguration).toBe("https://example.com/.well-known/openid-configuration");
    expect(error.message).not.toContain(RFC_TOKEN);
    // A server that goes on, or claims success, is not believed.
    await expect(Promise.resolve().then(() => a.next(new Uint8Array(0), true))).rejects.toBe(error);
    await expect(Promise.resolve().then(() => a.next(new Uint8Array(0), false))).rejects.toBe(
      error,
    );
  });

  it("reports a malformed error challenge as an OAuthBearerError without fields", async () => {
    const a = oauthBearerAuth("u", "t", "server.example.com");
    await a.start(server);
    expect(Array.from((await a.next(new TextEncoder().encode("not json"), true))!)).toEqual([1]);
    const failure = a.failure?.();
    expect(failure).toBeInstanceOf(OAuthBearerError);
    expect((failure as OAuthBearerError).status).toBeUndefined();
  });

  it("escapes ',' and '=' in the user name (RFC 5801 §4) and omits port when not given", async () => {
    const start = await oauthBearerAuth("a,b=c", "t", "server.example.com").start(server);
    expect(Buffer.from(start.initialResponse!).toString("latin1")).toBe(
      "n,a=a=2Cb=3Dc,\x01host=server.example.com\x01auth=Bearer t\x01\x01",
    );
  });

  it("calls an async token provider once per attempt", async () => {
    let calls = 0;
    const a = oauthBearerAuth("u", async () => `token-${++calls}`, "server.example.com");
    const first = await a.start(server);
    const second = await a.start(server);
    expect(Buffer.from(first.initialResponse!).toString()).toContain("auth=Bearer token-1\x01");
    expect(Buffer.from(second.initialResponse!).toString()).toContain("auth=Bearer token-2\x01");
    expect(calls).toBe(2);
    // A fresh attempt forgets the previous attempt's error.
    await a.next(new TextEncoder().encode("{}"), true);
    await a.start(server);
    expect(a.failure?.()).toBeUndefined();
  });

  it("wraps a failing provider and refuses a token with control characters", async () => {
    const failing = oauthBearerAuth(
      "u",
      () => {
        throw new Error("refresh failed");
      },
      "server.example.com",
    );
    await expect(failing.start(server)).rejects.toBeInstanceOf(TokenProviderError);
    await expect(
      oauthBearerAuth("u", "a\x01b", "server.example.com").start(server),
    ).rejects.toBeInstanceOf(TokenProviderError);
    await expect(
      oauthBearerAuth("u", "", "server.example.com").start(server),
    ).rejects.toBeInstanceOf(TokenProviderError);
    await expect(
      oauthBearerAuth("u\x01", "t", "server.example.com").start(server),
    ).rejects.toBeInstanceOf(InvalidCredentialsError);
  });
});
