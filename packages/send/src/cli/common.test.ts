import { describe, expect, it } from "vitest";
import {
  credentialsFrom,
  describeError,
  serverAddr,
  sessionOptionsFrom,
  tlsMode,
} from "./common.js";
import { exitCodeFor } from "./exit-codes.js";
import { UsageError } from "./io.js";

const io = (env: Record<string, string> = {}) => ({ env }) as never;

describe("command-line helpers", () => {
  it("serverAddr adds the submission port for the TLS mode", () => {
    expect(serverAddr("mx.example.org", "starttls")).toBe("mx.example.org:587");
    expect(serverAddr("mx.example.org", "implicit")).toBe("mx.example.org:465");
    expect(serverAddr("mx.example.org:2525", "none")).toBe("mx.example.org:2525");
    expect(serverAddr("::1", "none")).toBe("[::1]:587");
    expect(serverAddr("[::1]:25", "none")).toBe("[::1]:25");
    expect(() => serverAddr(undefined, "none")).toThrow(UsageError);
  });

  it("tlsMode accepts the four modes only", () => {
    expect(tlsMode(undefined)).toBe("starttls");
    expect(tlsMode("implicit")).toBe("implicit");
    expect(() => tlsMode("ssl")).toThrow("--tls must be one of starttls, required, implicit, none");
  });

  it("credentials come from the environment, never from argv", () => {
    expect(credentialsFrom({ user: "u" }, io({ SMTP_PASSWORD: "p" }))).toEqual({
      username: "u",
      password: "p",
    });
    expect(credentialsFrom({ user: "u" }, io({ SMTP_TOKEN: "t" }))).toEqual({
      username: "u",
      token: "t",
    });
    expect(credentialsFrom({}, io({ SMTP_PASSWORD: "p" }))).toBeNull();
    expect(() => credentialsFrom({ user: "u" }, io())).toThrow(UsageError);
  });

  it("sessionOptionsFrom sets only the options the flags gave, and checks them", () => {
    expect(sessionOptionsFrom({}, io())).toEqual({});
    const all = sessionOptionsFrom(
      { insecure: true, timeout: "2.5", transcript: true, "local-name": "client.example" },
      io(),
    );
    expect(all).toEqual({
      tlsOptions: { rejectUnauthorized: false },
      timeouts: { total: 2500 },
      onLine: expect.any(Function),
      localName: "client.example",
    });
    expect(() => sessionOptionsFrom({ timeout: "soon" }, io())).toThrow(UsageError);
  });

  it("exit codes follow sysexits.h", () => {
    expect(exitCodeFor({ code: "ERR_SMTP_REPLY", replyCode: 550, temporary: false })).toBe(69);
    expect(exitCodeFor({ code: "ERR_SMTP_REPLY", replyCode: 451, temporary: true })).toBe(75);
    expect(
      exitCodeFor({ code: "ERR_SMTP_REPLY", replyCode: 535, temporary: false, phase: "auth" }),
    ).toBe(77);
    expect(exitCodeFor({ code: "ERR_TLS" })).toBe(77);
    expect(exitCodeFor({ code: "ERR_CONNECTION_CLOSED", phase: "connect" })).toBe(69);
    expect(exitCodeFor({ code: "ERR_TIMEOUT", phase: "final-reply" })).toBe(75);
    expect(exitCodeFor({ code: "ERR_INVALID_ADDRESS" })).toBe(65);
  });

  it("describeError gives one line with code and phase", () => {
    const error = Object.assign(new Error("mailbox unavailable\nsecond line"), {
      code: "ERR_SMTP_REPLY",
      phase: "command",
      replyCode: 550,
      enhancedCode: "5.1.1",
    });
    expect(describeError(error)).toBe(
      "mailbox unavailable / second line (ERR_SMTP_REPLY, phase command, reply 550 5.1.1)",
    );
  });
});
