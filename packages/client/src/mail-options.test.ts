import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEhloReply } from "./ehlo.js";
import {
  ExtensionNotSupportedError,
  InvalidArgumentError,
  MessageTooLargeError,
  TlsError,
} from "./errors.js";
import {
  type MailOptions,
  mailParameters,
  type RcptOptions,
  rcptParameters,
} from "./mail-options.js";

const runs = Number(process.env.FUZZ_RUNS ?? 200);

const ehlo = (...lines: string[]) =>
  parseEhloReply(["mx.example.org", ...lines].join("\n")).extensions;
const NONE = ehlo();
const ALL = ehlo(
  "8BITMIME",
  "SMTPUTF8",
  "SIZE 1000",
  "DSN",
  "REQUIRETLS",
  "MT-PRIORITY MIXER",
  "DELIVERBY 60",
  "BINARYMIME",
  "CHUNKING",
);
const plain = { tls: false, addressNeedsUtf8: false };
const tls = { tls: true, addressNeedsUtf8: false };

describe("mailParameters: Go's parameters", () => {
  it("is empty with no options and no extensions", () => {
    expect(mailParameters(undefined, NONE, plain)).toBe("");
    expect(mailParameters({}, NONE, plain)).toBe("");
  });
  it("adds BODY=8BITMIME then SMTPUTF8 when advertised, in that order (Go's Client.Mail)", () => {
    expect(mailParameters(undefined, ehlo("8BITMIME"), plain)).toBe(" BODY=8BITMIME");
    expect(mailParameters(undefined, ehlo("SMTPUTF8"), plain)).toBe(" SMTPUTF8");
    expect(mailParameters(undefined, ehlo("SMTPUTF8", "8BITMIME"), plain)).toBe(
      " BODY=8BITMIME SMTPUTF8",
    );
  });
});

describe("mailParameters: byte-exact with every extension", () => {
  it.each<[MailOptions, string]>([
    [{ size: 999 }, " BODY=8BITMIME SMTPUTF8 SIZE=999"],
    [{ size: 1000 }, " BODY=8BITMIME SMTPUTF8 SIZE=1000"],
    [{ size: 0 }, " BODY=8BITMIME SMTPUTF8 SIZE=0"],
    [{ body: "7BIT" }, " BODY=7BIT SMTPUTF8"],
    [{ body: "8BITMIME", smtpUtf8: false }, " BODY=8BITMIME"],
    [{ body: "BINARYMIME" }, " BODY=BINARYMIME SMTPUTF8"],
    [{ ret: "HDRS", envId: "QQ314159" }, " BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159"],
    [{ ret: "FULL" }, " BODY=8BITMIME SMTPUTF8 RET=FULL"],
    [{ envId: "a+b=c d" }, " BODY=8BITMIME SMTPUTF8 ENVID=a+2Bb+3Dc+20d"],
    [{ requireTls: true }, " BODY=8BITMIME SMTPUTF8 REQUIRETLS"],
    [{ requireTls: false }, " BODY=8BITMIME SMTPUTF8"],
    [{ mtPriority: -9 }, " BODY=8BITMIME SMTPUTF8 MT-PRIORITY=-9"],
    [{ mtPriority: 0 }, " BODY=8BITMIME SMTPUTF8 MT-PRIORITY=0"],
    [{ mtPriority: 9 }, " BODY=8BITMIME SMTPUTF8 MT-PRIORITY=9"],
    [{ deliverBy: { seconds: 120, mode: "R" } }, " BODY=8BITMIME SMTPUTF8 BY=120;R"],
    [{ deliverBy: { seconds: -5, mode: "N", trace: true } }, " BODY=8BITMIME SMTPUTF8 BY=-5;NT"],
    [{ deliverBy: { seconds: 60, mode: "R", trace: false } }, " BODY=8BITMIME SMTPUTF8 BY=60;R"],
    [
      {
        size: 512,
        body: "8BITMIME",
        smtpUtf8: true,
        ret: "FULL",
        envId: "id-1",
        requireTls: true,
        mtPriority: 3,
        deliverBy: { seconds: 3600, mode: "R", trace: true },
      },
      " BODY=8BITMIME SMTPUTF8 SIZE=512 RET=FULL ENVID=id-1 REQUIRETLS MT-PRIORITY=3 BY=3600;RT",
    ],
  ])("%j -> %j", (options, expected) => {
    expect(mailParameters(options, ALL, tls)).toBe(expected);
  });
});

describe("mailParameters: local errors", () => {
  const expectError = (fn: () => unknown, type: new (...args: never[]) => Error, text: string) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toContain(text);
  };

  it("refuses a size over the advertised limit before MAIL (RFC 1870)", () => {
    expectError(
      () => mailParameters({ size: 1001 }, ALL, tls),
      MessageTooLargeError,
      "over the server's SIZE limit of 1000",
    );
    expect(() => mailParameters({ size: 1001 }, ALL, tls)).toThrow(
      expect.objectContaining({ code: "ERR_MESSAGE_TOO_LARGE" }),
    );
  });

  it("leaves SIZE out when the server has no SIZE, and ignores a limit of 0", () => {
    expect(mailParameters({ size: 10 }, NONE, plain)).toBe("");
    expect(mailParameters({ size: 10 ** 12 }, ehlo("SIZE 0"), plain)).toBe(" SIZE=1000000000000");
    expect(mailParameters({ size: 10 ** 12 }, ehlo("SIZE"), plain)).toBe(" SIZE=1000000000000");
  });

  it("names the extension that is not advertised", () => {
    const cases: [MailOptions, string][] = [
      [{ body: "8BITMIME" }, "8BITMIME"],
      [{ body: "BINARYMIME" }, "BINARYMIME"],
      [{ smtpUtf8: true }, "SMTPUTF8"],
      [{ ret: "FULL" }, "DSN"],
      [{ envId: "x" }, "DSN"],
      [{ mtPriority: 1 }, "MT-PRIORITY"],
      [{ deliverBy: { seconds: 10, mode: "N" } }, "DELIVERBY"],
    ];
    for (const [options, keyword] of cases) {
      expectError(() => mailParameters(options, NONE, tls), ExtensionNotSupportedError, keyword);
    }
    expectError(
      () => mailParameters({ requireTls: true }, NONE, tls),
      ExtensionNotSupportedError,
      "REQUIRETLS",
    );
  });

  it("needs CHUNKING as well as BINARYMIME for a binary body (RFC 3030 §3)", () => {
    expectError(
      () => mailParameters({ body: "BINARYMIME" }, ehlo("BINARYMIME"), plain),
      ExtensionNotSupportedError,
      "CHUNKING",
    );
  });

  it("needs SMTPUTF8 for a non-ASCII address, and sends it even when smtpUtf8 is false", () => {
    const utf8Address = { tls: false, addressNeedsUtf8: true };
    expectError(
      () => mailParameters(undefined, ehlo("8BITMIME"), utf8Address),
      ExtensionNotSupportedError,
      "SMTPUTF8",
    );
    expect(mailParameters({ smtpUtf8: false }, ehlo("SMTPUTF8"), utf8Address)).toBe(" SMTPUTF8");
    expect(mailParameters({ smtpUtf8: false }, ehlo("SMTPUTF8"), plain)).toBe("");
  });

  it("needs TLS for REQUIRETLS (RFC 8689), checked before the keyword", () => {
    expectError(() => mailParameters({ requireTls: true }, ALL, plain), TlsError, "TLS");
    expectError(() => mailParameters({ requireTls: true }, NONE, plain), TlsError, "TLS");
  });

  it("refuses BODY=7BIT for a body known to be 8-bit", () => {
    expectError(
      () => mailParameters({ body: "7BIT" }, ALL, { ...tls, bodyIs8bit: true }),
      InvalidArgumentError,
      "8-bit",
    );
    expect(mailParameters({ body: "7BIT" }, NONE, { ...plain, bodyIs8bit: false })).toBe("");
  });

  it.each<[string, unknown]>([
    ["size", -1],
    ["size", 1.5],
    ["size", Number.NaN],
    ["size", Number.POSITIVE_INFINITY],
    ["size", 2 ** 53],
    ["size", "10"],
    ["body", "8bitmime"],
    ["body", "QUOTED"],
    ["smtpUtf8", "yes"],
    ["ret", "full"],
    ["ret", "NONE"],
    ["envId", ""],
    ["envId", "x".repeat(101)],
    ["envId", "caf\u00e9"],
    ["envId", 42],
    ["requireTls", "true"],
    ["mtPriority", 10],
    ["mtPriority", -10],
    ["mtPriority", 1.5],
    ["mtPriority", "1"],
    ["deliverBy", { seconds: 0, mode: "R" }],
    ["deliverBy", { seconds: -1, mode: "R" }],
    ["deliverBy", { seconds: 1_000_000_000, mode: "N" }],
    ["deliverBy", { seconds: 1.5, mode: "N" }],
    ["deliverBy", { seconds: 10, mode: "X" }],
    ["deliverBy", { seconds: 10, mode: "N", trace: "T" }],
    ["deliverBy", null],
  ])("rejects %s = %j", (key, value) => {
    expect(() => mailParameters({ [key]: value } as MailOptions, ALL, tls)).toThrow(
      InvalidArgumentError,
    );
  });

  it("limits ENVID to 100 characters as xtext, whatever the value's own length", () => {
    // 33 spaces are 99 characters as xtext; 34 are 102.
    expect(mailParameters({ envId: `${" ".repeat(33)}x` }, ehlo("DSN"), plain)).toBe(
      ` ENVID=${"+20".repeat(33)}x`,
    );
    expect(() => mailParameters({ envId: " ".repeat(34) }, ehlo("DSN"), plain)).toThrow(
      "longer than 100 characters as xtext",
    );
  });

  it("checks the type of smtpUtf8 even when the address needs SMTPUTF8", () => {
    expect(() =>
      mailParameters({ smtpUtf8: "yes" as unknown as boolean }, ALL, {
        ...tls,
        addressNeedsUtf8: true,
      }),
    ).toThrow(InvalidArgumentError);
  });

  it("accepts an ENVID of exactly 100 printable characters", () => {
    expect(mailParameters({ envId: "x".repeat(100) }, ehlo("DSN"), plain)).toBe(
      ` ENVID=${"x".repeat(100)}`,
    );
  });
});

const CONTROLS = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), "\x7f"];
const injection = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROLS), fc.string({ maxLength: 8 }))
  .map(([a, c, b]) => a + c + b);

describe("no control character reaches the wire through any option value", () => {
  // A control char put into a value of any option, whatever its declared type: strings,
  // enums, numbers, list items, nested fields. Every extension is advertised and the
  // session is on TLS, so the only possible failure is the value itself.
  const mailCases: ((bad: string) => MailOptions)[] = [
    (bad) => ({ envId: bad }),
    (bad) => ({ ret: bad as "FULL" }),
    (bad) => ({ ret: `FULL${bad}` as "FULL" }),
    (bad) => ({ body: `8BITMIME${bad}` as "8BITMIME" }),
    (bad) => ({ body: bad as "7BIT" }),
    (bad) => ({ size: `1${bad}` as unknown as number }),
    (bad) => ({ mtPriority: bad as unknown as number }),
    (bad) => ({ smtpUtf8: bad as unknown as boolean }),
    (bad) => ({ requireTls: bad as unknown as boolean }),
    (bad) => ({ deliverBy: { seconds: 10, mode: `R${bad}` as "R" } }),
    (bad) => ({ deliverBy: { seconds: bad as unknown as number, mode: "R" } }),
    (bad) => ({ deliverBy: { seconds: 10, mode: "R", trace: bad as unknown as boolean } }),
  ];
  const rcptCases: ((bad: string) => RcptOptions)[] = [
    (bad) => ({ orcpt: bad }),
    (bad) => ({ orcpt: `rfc822;${bad}` }),
    (bad) => ({ orcpt: `${bad};bob@example.org` }),
    (bad) => ({ notify: bad as "NEVER" }),
    (bad) => ({ notify: `NEVER${bad}` as "NEVER" }),
    (bad) => ({ notify: [`SUCCESS${bad}` as "SUCCESS"] }),
    (bad) => ({ notify: ["FAILURE", bad as "DELAY"] }),
  ];

  it("MAIL options", () => {
    fc.assert(
      fc.property(injection, fc.constantFrom(...mailCases.keys()), (bad, i) => {
        let result: string | undefined;
        try {
          result = mailParameters(mailCases[i]!(bad), ALL, tls);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArgumentError);
          return;
        }
        // Only reachable if the value was encoded away (never for these cases).
        expect(result).not.toMatch(/[\x00-\x1f\x7f]/);
        expect.unreachable(`accepted ${JSON.stringify(result)}`);
      }),
      { numRuns: runs },
    );
  });

  it("RCPT options", () => {
    fc.assert(
      fc.property(injection, fc.constantFrom(...rcptCases.keys()), (bad, i) => {
        expect(() => rcptParameters(rcptCases[i]!(bad), ALL)).toThrow(InvalidArgumentError);
      }),
      { numRuns: runs },
    );
  });

  it("CR LF in a value gives Go's error text", () => {
    expect(() => mailParameters({ envId: "x\r\nRSET" }, ALL, tls)).toThrow(
      "a line must not contain CR or LF",
    );
    expect(() => rcptParameters({ orcpt: "rfc822;a@b\r\nRSET" }, ALL)).toThrow(
      "a line must not contain CR or LF",
    );
  });

  it("spaces, + and = in ENVID and ORCPT are xtext-encoded, never sent raw", () => {
    // At most 33 characters: even all-encoded (3 each) the ENVID stays within 100.
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 33 }), (value) => {
        fc.pre(!/[\x00-\x1f\x7f]/.test(value));
        const mail = mailParameters({ envId: value }, ehlo("DSN"), plain);
        expect(mail).toMatch(/^ ENVID=(?:[!-*,-<>-~]|\+[0-9A-F]{2})+$/);
        const rcpt = rcptParameters({ orcpt: `rfc822;${value}` }, ehlo("DSN"));
        expect(rcpt).toMatch(/^ ORCPT=rfc822;(?:[!-*,-<>-~]|\+[0-9A-F]{2})+$/);
      }),
      { numRuns: runs },
    );
  });
});

describe("rcptParameters (RFC 3461 §4.1, §4.2)", () => {
  const DSN = ehlo("DSN");
  it.each<[RcptOptions | undefined, string]>([
    [undefined, ""],
    [{}, ""],
    [{ notify: "NEVER" }, " NOTIFY=NEVER"],
    [{ notify: ["SUCCESS"] }, " NOTIFY=SUCCESS"],
    [{ notify: ["SUCCESS", "FAILURE", "DELAY"] }, " NOTIFY=SUCCESS,FAILURE,DELAY"],
    [{ notify: ["DELAY", "FAILURE"] }, " NOTIFY=DELAY,FAILURE"],
    [{ orcpt: "bob@example.org" }, " ORCPT=rfc822;bob@example.org"],
    [{ orcpt: "rfc822;bob@example.org" }, " ORCPT=rfc822;bob@example.org"],
    [{ orcpt: "utf-8;josé@example.org" }, " ORCPT=utf-8;jos+C3+A9@example.org"],
    [{ orcpt: "rfc822;a+b=c@example.org" }, " ORCPT=rfc822;a+2Bb+3Dc@example.org"],
    [{ orcpt: '"a;b"@example.org' }, ' ORCPT=rfc822;"a;b"@example.org'],
    [
      { notify: ["FAILURE"], orcpt: "rfc822;bob@example.org" },
      " NOTIFY=FAILURE ORCPT=rfc822;bob@example.org",
    ],
  ])("%j -> %j", (options, expected) => {
    expect(rcptParameters(options, DSN)).toBe(expected);
  });

  it("needs DSN", () => {
    expect(() => rcptParameters({ notify: "NEVER" }, NONE)).toThrow(ExtensionNotSupportedError);
    expect(() => rcptParameters({ orcpt: "bob@example.org" }, NONE)).toThrow("DSN");
  });

  it.each<unknown>([
    [],
    ["SUCCESS", "SUCCESS"],
    ["NEVER"],
    ["NEVER", "SUCCESS"],
    "SUCCESS",
    "never",
    ["success"],
    42,
  ])("rejects notify %j", (notify) => {
    expect(() => rcptParameters({ notify } as RcptOptions, DSN)).toThrow(InvalidArgumentError);
  });

  it.each<unknown>(["", "rfc822;", 42])("rejects orcpt %j", (orcpt) => {
    expect(() => rcptParameters({ orcpt } as RcptOptions, DSN)).toThrow(InvalidArgumentError);
  });
});
