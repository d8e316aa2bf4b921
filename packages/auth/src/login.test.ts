import { describe, expect, it } from "vitest";
import { InvalidCredentialsError, UnexpectedChallengeError } from "./errors.js";
import { loginAuth } from "./login.js";
import type { ServerInfo } from "./server-info.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const server: ServerInfo = { name: "smtp.office365.com", tls: true, auth: ["LOGIN"] };

describe("LOGIN", () => {
  it("answers Username: then Password:, with no initial response", async () => {
    const a = loginAuth("user", "pass wörd", "smtp.office365.com");
    expect(await a.start(server)).toEqual({ mechanism: "LOGIN" });
    expect(text(await a.next(bytes("Username:"), true))).toBe("user");
    expect(text(await a.next(bytes("Password:"), true))).toBe("pass wörd");
    expect(await a.next(bytes("2.7.0 Authentication successful"), false)).toBeNull();
  });

  it("goes by order when the prompts are worded differently", async () => {
    const a = loginAuth("user", "pass", "smtp.office365.com");
    await a.start(server);
    expect(text(await a.next(bytes("User Name\0"), true))).toBe("user");
    expect(text(await a.next(bytes(""), true))).toBe("pass");
    expect(() => a.next(bytes("Password:"), true)).toThrow(UnexpectedChallengeError);
  });

  it("starts afresh on every attempt", async () => {
    const a = loginAuth("user", "pass", "smtp.office365.com");
    await a.start(server);
    await a.next(bytes("Username:"), true);
    await a.start(server);
    expect(text(await a.next(bytes("Username:"), true))).toBe("user");
  });

  it("refuses a user name with any control character (CR, LF, NUL, TAB, ESC, DEL, ...)", () => {
    for (const c of ["\n", "\r", "\0", "\x01", "\t", "\x1b", "\x1f", "\x7f"]) {
      expect(() => loginAuth(`us${c}er`, "p", "smtp.office365.com").start(server), c).toThrow(
        InvalidCredentialsError,
      );
    }
  });
});
