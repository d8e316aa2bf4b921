import { describe, expect, it } from "vitest";
import {
  ConnectionClosedError,
  InvalidLineError,
  LineTooLongError,
  ProtocolError,
  ReplyError,
  TextprotoError,
} from "./errors.js";

describe("errors", () => {
  it("each class has its stable code and name, and all share one base", () => {
    const cases: [TextprotoError, string, string][] = [
      [new TextprotoError("x"), "ERR_TEXTPROTO", "TextprotoError"],
      [new ReplyError(550, "5.1.1 no"), "ERR_REPLY", "ReplyError"],
      [new ProtocolError("short response: x"), "ERR_PROTOCOL", "ProtocolError"],
      [new LineTooLongError(8192), "ERR_LINE_TOO_LONG", "LineTooLongError"],
      [new InvalidLineError(), "ERR_INVALID_LINE", "InvalidLineError"],
      [
        new ConnectionClosedError("unexpected EOF"),
        "ERR_CONNECTION_CLOSED",
        "ConnectionClosedError",
      ],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(TextprotoError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
    }
  });

  it("ReplyError reads as Go's textproto.Error", () => {
    const error = new ReplyError(550, "5.1.1 a\n5.1.1 b");
    expect(error.message).toBe("550 5.1.1 a\n5.1.1 b");
    expect(error.replyCode).toBe(550);
    expect(error.text).toBe("5.1.1 a\n5.1.1 b");
  });

  it("keeps the cause", () => {
    const cause = new Error("ECONNRESET");
    expect(new ConnectionClosedError("connection error", { cause }).cause).toBe(cause);
  });

  it("InvalidLineError and LineTooLongError messages", () => {
    expect(new InvalidLineError().message).toBe("a line must not contain CR or LF");
    expect(new LineTooLongError(10)).toMatchObject({
      limit: 10,
      message: "line longer than 10 bytes",
    });
  });
});
