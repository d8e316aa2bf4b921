import { describe, expect, it } from "vitest";
import { SaslPrepError } from "./errors.js";
import { saslPrep } from "./saslprep.js";

describe("SASLprep (RFC 4013)", () => {
  // RFC 4013 §3, the examples table, row by row.
  it.each([
    ["1: SOFT HYPHEN mapped to nothing", "I\u00ADX", "IX"],
    ["2: no transformation", "user", "user"],
    ["3: case preserved", "USER", "USER"],
    ["4: output is NFKC, input in ISO 8859-1", "\u00AA", "a"],
    ["5: output is NFKC, will match #1", "\u2168", "IX"],
  ])("RFC 4013 §3 example %s", (_name, input, output) => {
    expect(saslPrep(input)).toBe(output);
  });

  it("RFC 4013 §3 example 6: <U+0007> is a prohibited character", () => {
    expect(() => saslPrep("\u0007")).toThrow(SaslPrepError);
    expect(() => saslPrep("\u0007")).toThrow(/prohibited/);
  });

  it("RFC 4013 §3 example 7: <U+0627><U+0031> fails the bidirectional check", () => {
    expect(() => saslPrep("\u0627\u0031")).toThrow(/right-to-left/);
  });

  it("maps non-ASCII spaces to SPACE and keeps ASCII spaces (§2.1)", () => {
    expect(saslPrep("pass\u00A0word")).toBe("pass word");
    expect(saslPrep("a\u3000b\u2003c")).toBe("a b c");
    expect(saslPrep(" leading and trailing ")).toBe(" leading and trailing ");
  });

  it("drops zero-width characters (B.1) and composes (NFKC)", () => {
    expect(saslPrep("a\u200Bb\uFEFFc\u034F")).toBe("abc");
    expect(saslPrep("e\u0301")).toBe("\u00E9");
    expect(saslPrep("ｐａｓｓ")).toBe("pass");
  });

  it.each([
    ["C.2.1 ASCII control", "a\nb"],
    ["C.2.1 DEL", "a\u007Fb"],
    ["C.2.2 non-ASCII control", "a\u0085b"],
    ["C.3 private use", "a\uE000b"],
    ["C.4 non-character", "a\uFFFEb"],
    ["C.5 lone surrogate", "a\uD800b"],
    ["C.8 change display properties", "a\u202Eb"],
    ["C.9 tagging", "a\u{E0001}b"],
    ["A.1 unassigned", "a\u{0378}b"],
  ])("prohibits %s", (_name, input) => {
    expect(() => saslPrep(input, "password")).toThrow(SaslPrepError);
  });

  it("allows right-to-left text that starts and ends right-to-left, refuses mixing with LTR", () => {
    expect(saslPrep("\u05D0\u05D1\u05D2")).toBe("\u05D0\u05D1\u05D2");
    expect(saslPrep("\u0627\u0031\u0628")).toBe("\u0627\u0031\u0628");
    expect(() => saslPrep("\u05D0a\u05D1")).toThrow(/mixes/);
  });

  it("names the field and never the value in its error", () => {
    try {
      saslPrep("hunter2\u0007", "password");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SaslPrepError);
      expect((error as SaslPrepError).code).toBe("ERR_AUTH_SASLPREP");
      expect((error as SaslPrepError).field).toBe("password");
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
