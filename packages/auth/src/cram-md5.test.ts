import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cramMd5Auth } from "./cram-md5.js";
import { InvalidCredentialsError } from "./errors.js";
import type { ServerInfo } from "./server-info.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const plainServer: ServerInfo = { name: "mail.example.com", tls: false, auth: ["CRAM-MD5"] };

describe("CRAM-MD5 (RFC 2195)", () => {
  it("RFC 2195 §2: tim / tanstaaftanstaaf", async () => {
    const a = cramMd5Auth("tim", "tanstaaftanstaaf");
    expect(await a.start(plainServer)).toEqual({ mechanism: "CRAM-MD5" });
    const response = await a.next(bytes("<1896.697170952@postoffice.reston.mci.net>"), true);
    expect(text(response)).toBe("tim b913a602c7eda7a495b4e6e7334d3890");
    expect(await a.next(bytes("2.7.0 ok"), false)).toBeNull();
  });

  it("has no initial response and, like Go, no TLS rule: the secret never travels", async () => {
    const start = await cramMd5Auth("u", "s").start(plainServer);
    expect("initialResponse" in start).toBe(false);
  });

  it("digests the challenge bytes as received, including non-ASCII", async () => {
    const challenge = Uint8Array.of(0x3c, 0xff, 0x00, 0x3e);
    const a = cramMd5Auth("jürgen", "geheim wört");
    await a.start(plainServer);
    const expected = createHmac("md5", Buffer.from("geheim wört", "utf8"))
      .update(challenge)
      .digest("hex");
    expect(text(await a.next(challenge, true))).toBe(`jürgen ${expected}`);
  });

  it("refuses a user name with a line break (deviation from Go, which sends it)", async () => {
    expect(() => cramMd5Auth("tim\r\nQUIT", "x").start(plainServer)).toThrow(
      InvalidCredentialsError,
    );
  });
});
