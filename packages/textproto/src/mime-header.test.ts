import { describe, expect, it } from "vitest";
import { canonicalKey, canonicalMimeHeaderKey } from "./mime-header.js";

describe("canonicalMimeHeaderKey", () => {
  // Go TestCanonicalMIMEHeaderKey (reader_test.go).
  const cases: [string, string][] = [
    ["a-b-c", "A-B-C"],
    ["a-1-c", "A-1-C"],
    ["User-Agent", "User-Agent"],
    ["uSER-aGENT", "User-Agent"],
    ["user-agent", "User-Agent"],
    ["USER-AGENT", "User-Agent"],
    // Non-ASCII or anything with spaces or non-token chars is unchanged:
    ["üser-agenT", "üser-agenT"],
    ["a B", "a B"],
    ["C Ontent-Transfer-Encoding", "C Ontent-Transfer-Encoding"],
    ["foo bar", "foo bar"],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () => {
      expect(canonicalMimeHeaderKey(input)).toBe(want);
    });
  }

  it("says which keys a header may hold", () => {
    expect(canonicalKey("content-type")).toEqual({ key: "Content-Type", ok: true });
    expect(canonicalKey("Audio Mode ")).toEqual({ key: "Audio Mode ", ok: true });
    expect(canonicalKey("")).toEqual({ key: "", ok: false });
    expect(canonicalKey("a\tb")).toEqual({ key: "a\tb", ok: false });
    expect(canonicalKey("ü")).toEqual({ key: "ü", ok: false });
  });
});
