import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { decodeXtext, encodeXtext } from "./xtext.js";

const runs = Number(process.env.FUZZ_RUNS ?? 200);
const XTEXT = /^(?:[!-*,-<>-~]|\+[0-9A-F]{2})*$/;

describe("encodeXtext (RFC 3461 §4)", () => {
  it.each([
    ["", ""],
    ["QQ314159", "QQ314159"],
    ["a+b=c", "a+2Bb+3Dc"],
    ["two words", "two+20words"],
    ["line\r\nSMTP", "line+0D+0ASMTP"],
    ["nul\0", "nul+00"],
    ["del\x7f", "del+7F"],
    ["bob@example.org", "bob@example.org"],
    ["josé@exämple.org", "jos+C3+A9@ex+C3+A4mple.org"],
    ["!~", "!~"],
  ])("%j -> %j", (value, xtext) => {
    expect(encodeXtext(value)).toBe(xtext);
    expect(decodeXtext(xtext)).toBe(value);
  });

  it("round-trips any string and always yields well-formed xtext", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const xtext = encodeXtext(value);
        expect(xtext).toMatch(XTEXT);
        expect(decodeXtext(xtext)).toBe(value);
      }),
      { numRuns: runs },
    );
  });
});

describe("decodeXtext", () => {
  it("accepts a hexchar for a character that did not need one", () => {
    expect(decodeXtext("+41BC")).toBe("ABC");
  });

  it.each([
    ["a b", "space"],
    ["a=b", "= is not an xchar"],
    ["a+", "truncated hexchar"],
    ["a+4", "truncated hexchar"],
    ["a+2b", "lower-case hex"],
    ["a+GG", "not hex"],
    ["caf\u00e9", "non-ASCII"],
    ["a\r\nb", "CRLF"],
    ["+FF", "not UTF-8"],
  ])("rejects %j (%s)", (xtext) => {
    expect(() => decodeXtext(xtext)).toThrow(InvalidArgumentError);
  });
});
