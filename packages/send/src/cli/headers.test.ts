import { describe, expect, it } from "vitest";
import { envelopeFromHeaders, parseAddressList, readHeaders } from "./headers.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("parseAddressList (RFC 5322 §3.4)", () => {
  it.each([
    ["a@example.org", ["a@example.org"]],
    ["A <a@example.org>, b@example.org", ["a@example.org", "b@example.org"]],
    [
      '"Doe, Jane" <jane@example.org>, (comment, with comma) x@example.org',
      ["jane@example.org", "x@example.org"],
    ],
    [
      "Team: a@example.org, B <b@example.org>;, c@example.org",
      ["a@example.org", "b@example.org", "c@example.org"],
    ],
    ['"quoted \\" <fake@evil>" <real@example.org>', ["real@example.org"]],
    ["", []],
  ])("%s", (input, expected) => {
    expect(parseAddressList(input)).toEqual(expected);
  });
});

describe("readHeaders / envelopeFromHeaders", () => {
  it("unfolds, stops at the empty line, takes From and To + Cc but not Bcc", () => {
    const message = bytes(
      "From: Alice <alice@example.org>\r\nTo: bob@example.org,\r\n  Carol <carol@example.org>\r\n" +
        "Cc: dan@example.org\r\nBcc: secret@example.org\r\nSubject: x\r\n\r\nTo: not-a-header@example.org\r\n",
    );
    expect(readHeaders(message).get("to")).toEqual(["bob@example.org, Carol <carol@example.org>"]);
    expect(envelopeFromHeaders(message)).toEqual({
      from: "alice@example.org",
      to: ["bob@example.org", "carol@example.org", "dan@example.org"],
    });
  });

  it("prefers Sender over From, and says when there is none", () => {
    expect(envelopeFromHeaders(bytes("Sender: s@example.org\nFrom: f@example.org\n\n")).from).toBe(
      "s@example.org",
    );
    expect(envelopeFromHeaders(bytes("Subject: none\r\n\r\n"))).toEqual({
      from: undefined,
      to: [],
    });
  });
});
