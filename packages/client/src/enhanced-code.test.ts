import { describe, expect, it } from "vitest";
import { parseEnhancedCode } from "./enhanced-code.js";

describe("parseEnhancedCode (RFC 2034, RFC 3463)", () => {
  it.each([
    [250, "2.1.5 Ok", "2.1.5"],
    [550, "5.1.1 <bob@example.org>: Recipient address rejected", "5.1.1"],
    [452, "4.5.3 Too many recipients", "4.5.3"],
    [554, "5.7.1", "5.7.1"],
    [250, "2.0.0 Ok: queued as 1234\nsecond line", "2.0.0"],
    [550, "5.123.999 three digits each", "5.123.999"],
    [421, "4.4.2\tidle", "4.4.2"],
  ])("%d %j -> %s", (code, text, expected) => {
    expect(parseEnhancedCode(code, text)).toBe(expected);
  });

  it.each([
    [550, "2.1.1 class disagrees with the reply code"],
    [250, "5.0.0 class disagrees with the reply code"],
    [354, "3.0.0 class 3 does not exist"],
    [250, "Ok"],
    [250, ""],
    [550, "5.1 two parts"],
    [550, "5.1234.1 subject too long"],
    [550, "5.1.1234 detail too long"],
    [550, "5.1.1x not followed by a space"],
    [550, " 5.1.1 not at the start"],
    [550, "second line\n5.1.1 only later"],
  ])("%d %j -> undefined", (code, text) => {
    expect(parseEnhancedCode(code, text)).toBeUndefined();
  });
});

describe("parseEnhancedCode agrees with the grammar written as a regular expression", () => {
  // The parser is hand-written for speed; this is the RFC 3463 §2 grammar it replaces.
  const grammar = /^([245])\.(\d{1,3})\.(\d{1,3})(?=[ \t\n]|$)/;
  const oracle = (code: number, text: string): string | undefined => {
    const match = grammar.exec(text);
    if (match === null || Math.trunc(code / 100) !== Number(match[1])) return undefined;
    return match[0];
  };
  const texts = [
    "",
    "2",
    "2.",
    "2.1",
    "2.1.",
    "2.1.5",
    "2.1.5 ",
    "2.1.5x",
    "2.1.5\r",
    "2.1234.5 four digits",
    "2.123.4567 four digits",
    "2..5 empty subject",
    "2.1..5",
    ".2.1.5",
    " 2.1.5",
    "2.1.5.6 extra",
    "4.0.0\nnext",
    "5.7.1\tx",
    "2.٣.5 non-ASCII digit",
    "3.0.0",
  ];
  for (const code of [250, 354, 421, 550]) {
    it.each(texts)(`${code} %j`, (text) => {
      expect(parseEnhancedCode(code, text)).toBe(oracle(code, text));
    });
  }
});
