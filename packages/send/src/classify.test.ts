import {
  AbortError,
  ConnectionClosedError,
  InvalidArgumentError,
  MessageTooLargeError,
  SmtpProtocolError,
  SmtpReplyError,
  TimeoutError,
  TlsError,
} from "@smtp/client";
import { describe, expect, it } from "vitest";
import { classifyFailure } from "./classify.js";

const reply = (code: number) => ({ code, enhancedCode: undefined, message: "x" });

describe("classifyFailure: the pool's retry policy", () => {
  it.each([
    ["4xx to RCPT", new SmtpReplyError(reply(451), { phase: "command" }), "transaction", "retry"],
    [
      "4xx after the final dot (a definite no)",
      new SmtpReplyError(reply(452), { phase: "final-reply" }),
      "transaction",
      "retry",
    ],
    ["5xx", new SmtpReplyError(reply(550), { phase: "command" }), "transaction", "refused"],
    ["5xx to AUTH", new SmtpReplyError(reply(535), { phase: "auth" }), "open", "refused"],
    [
      "lost before the dot",
      new ConnectionClosedError("gone", { phase: "data" }),
      "transaction",
      "retry",
    ],
    [
      "lost while opening",
      new ConnectionClosedError("gone", { phase: "greeting" }),
      "open",
      "retry",
    ],
    [
      "lost after the dot",
      new ConnectionClosedError("gone", { phase: "final-reply" }),
      "transaction",
      "unknown",
    ],
    [
      "timeout after the dot",
      new TimeoutError("slow", { phase: "final-reply" }),
      "transaction",
      "unknown",
    ],
    [
      "timeout in a command",
      new TimeoutError("slow", { phase: "command" }),
      "transaction",
      "retry",
    ],
    [
      "garbage from the server",
      new SmtpProtocolError("bad", { phase: "command" }),
      "transaction",
      "retry",
    ],
    [
      "a raw socket error in a transaction (phase unknown)",
      Object.assign(new Error("reset"), { code: "ECONNRESET" }),
      "transaction",
      "unknown",
    ],
    [
      "a raw socket error while opening",
      Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
      "open",
      "retry",
    ],
    ["the caller's abort", new AbortError("stop", { phase: "data" }), "transaction", "failed"],
    [
      "a bad argument",
      new InvalidArgumentError("CR", { phase: "command" }),
      "transaction",
      "failed",
    ],
    ["too large", new MessageTooLargeError("big", { phase: "command" }), "transaction", "failed"],
    ["TLS", new TlsError("cert"), "open", "failed"],
  ] as const)("%s", (_name, error, stage, expected) => {
    expect(classifyFailure(error, stage)).toBe(expected);
  });
});
