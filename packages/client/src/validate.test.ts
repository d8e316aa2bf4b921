import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExtensionNotSupportedError, InvalidArgumentError } from "./errors.js";
import { addressNeedsSmtpUtf8, checkAddress, checkLine } from "./validate.js";

const runs = Number(process.env.FUZZ_RUNS ?? 200);
const CONTROLS = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), "\x7f"];

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("checkLine", () => {
  it("accepts printable text, spaces and non-ASCII", () => {
    expect(() => checkLine("mx.example.org", "the hello name")).not.toThrow();
    expect(() => checkLine("a b\u00e9\u0080\u4e2d", "x")).not.toThrow();
    expect(() => checkLine("", "x")).not.toThrow();
  });

  it.each(["\r", "\n", "\r\n", "a\rb", "a\nb", "end\r\n", "\nstart"])(
    "rejects %j with Go's text",
    (value) => {
      const error = thrown(() => checkLine(value, "the hello name"));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).code).toBe("ERR_INVALID_ARGUMENT");
      expect((error as Error).message).toBe("a line must not contain CR or LF");
    },
  );

  it("names CR/LF first even when another control comes before it", () => {
    expect(() => checkLine("\0\r\n", "x")).toThrow("a line must not contain CR or LF");
  });

  it("rejects NUL, every other C0 control and DEL, naming the argument and the character", () => {
    expect(() => checkLine("a\0b", "the hello name")).toThrow(
      "the hello name must not contain NUL",
    );
    expect(() => checkLine("a\tb", "x")).toThrow("x must not contain control character U+0009");
    expect(() => checkLine("a\x1bb", "x")).toThrow("x must not contain control character U+001B");
    expect(() => checkLine("a\x7f", "x")).toThrow("x must not contain DEL");
    for (const control of CONTROLS) {
      expect(() => checkLine(`x${control}y`, "x")).toThrow(InvalidArgumentError);
    }
  });

  it("never puts the value in the message", () => {
    const error = thrown(() => checkLine("secret-token\0", "x")) as Error;
    expect(error.message).not.toContain("secret-token");
  });

  it("rejects a control character wherever it is", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom(...CONTROLS),
        fc.string(),
        (before, control, after) => {
          expect(() => checkLine(before + control + after, "x")).toThrow(InvalidArgumentError);
        },
      ),
      { numRuns: runs },
    );
  });
});

describe("checkAddress", () => {
  const ascii = { smtpUtf8Advertised: false };
  const utf8 = { smtpUtf8Advertised: true };

  it("accepts ordinary addresses, the null path and postmaster", () => {
    for (const address of [
      "bob@example.org",
      "",
      "postmaster",
      '"john doe"@example.org',
      "a+tag@[127.0.0.1]",
    ]) {
      expect(() => checkAddress(address, ascii)).not.toThrow();
    }
  });

  it("rejects CR and LF with Go's text, and every other control", () => {
    expect(() => checkAddress("bob@example.org\r\nRSET", ascii)).toThrow(
      "a line must not contain CR or LF",
    );
    for (const control of CONTROLS) {
      expect(() => checkAddress(`bob${control}@example.org`, ascii)).toThrow(InvalidArgumentError);
    }
  });

  it('rejects "<" and ">" that would end the path and add parameters', () => {
    expect(() => checkAddress("bob@example.org> SIZE=1", ascii)).toThrow(InvalidArgumentError);
    expect(() => checkAddress("<bob@example.org>", ascii)).toThrow(InvalidArgumentError);
  });

  it("rejects a space outside a quoted local part", () => {
    expect(() => checkAddress("bob smith@example.org", ascii)).toThrow(InvalidArgumentError);
    expect(() => checkAddress("bob@example .org", ascii)).toThrow(InvalidArgumentError);
    expect(() => checkAddress('"bob smith"@example.org', ascii)).not.toThrow();
  });

  it("enforces the RFC 5321 §4.5.3.1 octet limits", () => {
    const local64 = "a".repeat(64);
    expect(() => checkAddress(`${local64}@example.org`, ascii)).not.toThrow();
    expect(() => checkAddress(`a${local64}@example.org`, ascii)).toThrow("64 octets");
    // 32 two-octet characters = 64 octets; one more is over.
    expect(() => checkAddress(`${"é".repeat(32)}@example.org`, utf8)).not.toThrow();
    expect(() => checkAddress(`${"é".repeat(33)}@example.org`, utf8)).toThrow("64 octets");
    // path: "<" + 254 + ">" = 256 octets.
    const domain = (n: number) => `${"d".repeat(n - 4)}.org`;
    expect(() => checkAddress(`${local64}@${domain(254 - 65)}`, ascii)).not.toThrow();
    expect(() => checkAddress(`${local64}@${domain(255 - 65)}`, ascii)).toThrow("path limit 256");
    expect(() => checkAddress(`a@${"d".repeat(256)}`, ascii)).toThrow("255 octets");
  });

  it("needs SMTPUTF8 for a non-ASCII address (RFC 6531)", () => {
    const error = thrown(() => checkAddress("josé@example.org", ascii));
    expect(error).toBeInstanceOf(ExtensionNotSupportedError);
    expect((error as ExtensionNotSupportedError).code).toBe("ERR_EXTENSION_NOT_SUPPORTED");
    expect((error as Error).message).toContain("SMTPUTF8");
    expect(() => checkAddress("bob@exämple.org", ascii)).toThrow(ExtensionNotSupportedError);
    expect(() => checkAddress("josé@exämple.org", utf8)).not.toThrow();
    expect(() => checkAddress("用户@例子.广告", utf8)).not.toThrow();
  });

  it("checks controls before SMTPUTF8 so an injection is never reported as a missing extension", () => {
    expect(() => checkAddress("josé@example.org\n", ascii)).toThrow(InvalidArgumentError);
  });
});

describe("addressNeedsSmtpUtf8", () => {
  it("is true exactly when a character is over U+007F", () => {
    expect(addressNeedsSmtpUtf8("bob@example.org")).toBe(false);
    expect(addressNeedsSmtpUtf8("~\x7f")).toBe(false);
    expect(addressNeedsSmtpUtf8("\u0080")).toBe(true);
    expect(addressNeedsSmtpUtf8("bob@例子.广告")).toBe(true);
  });
});
