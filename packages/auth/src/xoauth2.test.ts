import { describe, expect, it } from "vitest";
import { InvalidCredentialsError, OAuthBearerError } from "./errors.js";
import type { ServerInfo } from "./server-info.js";
import { xoauth2Auth } from "./xoauth2.js";

const server: ServerInfo = { name: "smtp.gmail.com", tls: true, auth: ["XOAUTH2"] };

describe("XOAUTH2", () => {
  it("sends Google's documented initial response", async () => {
    // https://developers.google.com/gmail/imap/xoauth2-protocol, "the SASL XOAUTH2 initial client response".
    const start = await xoauth2Auth(
      "someuser@example.com",
      "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg",
      "smtp.gmail.com",
    ).start(server);
    expect(start.mechanism).toBe("XOAUTH2");
    expect(Buffer.from(start.initialResponse!).toString("base64")).toBe(
      "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2cBAQ==",
    );
  });

  it("acknowledges Google's error challenge with an empty response and keeps the parsed error", async () => {
    const a = xoauth2Auth("u@example.com", "secret-token", "smtp.gmail.com");
    await a.start(server);
    const challenge = new TextEncoder().encode(
      '{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}',
    );
    expect(await a.next(challenge, true)).toEqual(new Uint8Array(0));
    const error = a.failure?.() as OAuthBearerError;
    expect(error).toBeInstanceOf(OAuthBearerError);
    expect(error.mechanism).toBe("XOAUTH2");
    expect([error.status, error.schemes, error.scope]).toEqual([
      "401",
      "bearer",
      "https://mail.google.com/",
    ]);
    await expect(Promise.resolve().then(() => a.next(new Uint8Array(0), true))).rejects.toBe(error);
  });

  it("refuses 0x01 and line breaks in the user name", async () => {
    await expect(xoauth2Auth("a\x01b", "t", "smtp.gmail.com").start(server)).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
    await expect(xoauth2Auth("a\r\n", "t", "smtp.gmail.com").start(server)).rejects.toBeInstanceOf(
      InvalidCredentialsError,
    );
  });
});
