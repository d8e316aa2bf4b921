import { describe, expect, it } from "vitest";
import { authMechanisms, parseEhloReply, sizeLimit } from "./ehlo.js";

describe("parseEhloReply", () => {
  it("splits Go's EHLO reply into greeting and upper-cased keywords", () => {
    // The reply of Go's smtp_test.go basic session, as readResponse joins it.
    const reply = parseEhloReply(
      "localhost Hello go.test\nDSN\n8BITMIME\nPIPELINING\nAUTH PLAIN LOGIN\nsize 35651584\nstarttls",
    );
    expect(reply.greeting).toBe("localhost Hello go.test");
    expect([...reply.extensions]).toEqual([
      ["DSN", ""],
      ["8BITMIME", ""],
      ["PIPELINING", ""],
      ["AUTH", "PLAIN LOGIN"],
      ["SIZE", "35651584"],
      ["STARTTLS", ""],
    ]);
  });

  it("treats a one-line reply as no extensions", () => {
    const reply = parseEhloReply("mx.example.org at your service");
    expect(reply.greeting).toBe("mx.example.org at your service");
    expect(reply.extensions.size).toBe(0);
  });

  it("splits at the first space only and keeps the params as sent", () => {
    const { extensions } = parseEhloReply(
      "hi\nXCLIENT NAME  ADDR\nDELIVERBY 120\nAuth=LOGIN plain",
    );
    expect(extensions.get("XCLIENT")).toBe("NAME  ADDR");
    expect(extensions.get("DELIVERBY")).toBe("120");
    expect(extensions.get("AUTH=LOGIN")).toBe("plain");
    expect(extensions.has("AUTH")).toBe(false);
  });

  it("lets the last repeat of a keyword win, as Go's map does", () => {
    const { extensions } = parseEhloReply("hi\nSIZE 10\nSIZE 20");
    expect(extensions.get("SIZE")).toBe("20");
  });

  it("skips an empty line instead of storing an empty keyword", () => {
    const { extensions } = parseEhloReply("hi\n\nPIPELINING");
    expect([...extensions.keys()]).toEqual(["PIPELINING"]);
  });
});

describe("sizeLimit", () => {
  const ext = (size?: string) =>
    new Map(size === undefined ? [] : ([["SIZE", size]] as [string, string][]));
  it("reads the advertised number", () => {
    expect(sizeLimit(ext("35651584"))).toBe(35651584);
  });
  it("is undefined without SIZE, without a number, or for 0 (RFC 1870 §4: no fixed maximum)", () => {
    expect(sizeLimit(ext())).toBeUndefined();
    expect(sizeLimit(ext(""))).toBeUndefined();
    expect(sizeLimit(ext("0"))).toBeUndefined();
    expect(sizeLimit(ext("ten"))).toBeUndefined();
    expect(sizeLimit(ext("-5"))).toBeUndefined();
  });
});

describe("authMechanisms", () => {
  it("lists the mechanisms upper-cased, dropping empty entries", () => {
    const { extensions } = parseEhloReply("hi\nAUTH plain  LOGIN CRAM-MD5 ");
    expect(authMechanisms(extensions)).toEqual(["PLAIN", "LOGIN", "CRAM-MD5"]);
  });
  it("is empty when AUTH is not advertised or has no mechanism", () => {
    expect(authMechanisms(new Map())).toEqual([]);
    expect(authMechanisms(new Map([["AUTH", ""]]))).toEqual([]);
  });
});
