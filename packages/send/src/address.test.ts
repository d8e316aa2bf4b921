import { describe, expect, it } from "vitest";
import { checkAddresses } from "./address.js";
import { InvalidAddressError } from "./errors.js";

describe("checkAddresses (Go's validateLine, widened)", () => {
  it("accepts ordinary addresses and the null reverse path", () => {
    expect(() => checkAddresses("a@example.org", ["b@example.org"])).not.toThrow();
    expect(() => checkAddresses("", ["postmaster@example.org"])).not.toThrow();
    expect(() => checkAddresses("δοκιμή@παράδειγμα.δοκιμή", ["b@example.org"])).not.toThrow();
  });

  it.each([
    [
      "a@example.org\r\nRSET",
      ["b@example.org"],
      "invalid from address: a line must not contain CR or LF",
    ],
    [
      "a@example.org",
      ["b@example.org", "c@x\n"],
      "invalid to address #2: a line must not contain CR or LF",
    ],
    ["a@example.org", ["b\u0000@x"], "invalid to address #1: contains control character U+0000"],
    ["a@example.org", ["b\u007f@x"], "invalid to address #1: contains control character U+007F"],
    ["a@example.org", [], "invalid recipient list: at least one recipient is required"],
    ["a@example.org", [""], "invalid to address #1: must not be empty"],
  ])("%j → %s", (from, to, message) => {
    const attempt = () => checkAddresses(from, to);
    expect(attempt).toThrow(InvalidAddressError);
    expect(attempt).toThrow(message);
  });

  it("does not echo the hostile address in the message", () => {
    expect(() => checkAddresses("evil\r\nDATA", ["b@x"])).toThrow(/^(?!.*evil)/);
  });
});
