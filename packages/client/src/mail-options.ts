// The ESMTP parameters of MAIL FROM and RCPT TO (DESIGN §6), built from typed options
// and the server's EHLO keywords, each checked before anything is written.
//
// Exports:
//   interface MailOptions, interface RcptOptions   (as in docs/client-api.md)
//   mailParameters(options, extensions, context): string
//     The " KEY=VALUE..." suffix for "MAIL FROM:<addr>" ("" when there is none).
//     Order: Go's first, " BODY=8BITMIME" when 8BITMIME is advertised and " SMTPUTF8"
//     when SMTPUTF8 is (net/smtp Client.Mail), then SIZE=, RET=, ENVID=, REQUIRETLS,
//     MT-PRIORITY=, BY=.
//     context: { tls: boolean; bodyIs8bit?: boolean; addressNeedsUtf8: boolean }
//   rcptParameters(options, extensions): string
//     The suffix for "RCPT TO:<addr>": NOTIFY=, ORCPT= (RFC 3461 §4.1, §4.2).
//   checkMailOptions(options), checkRcptOptions(options)
//     The form of every value (controls, enum values, ranges), whatever the server
//     offers: callers run them before the first byte of a session or command is
//     written (DESIGN §4), the extension checks follow once EHLO has been read.
//
// Rules (emersion/go-smtp's: asking for an extension the server did not advertise is a
// local error, never a parameter the server would refuse after a round trip):
//   body "8BITMIME"   needs 8BITMIME (RFC 6152)           else ExtensionNotSupportedError
//   body "BINARYMIME" needs BINARYMIME and CHUNKING (RFC 3030 §3: BINARYMIME bodies can
//                     only be sent with BDAT)              else ExtensionNotSupportedError
//   body "7BIT"       " BODY=7BIT" when 8BITMIME is advertised, nothing otherwise (7-bit is
//                     the default); with context.bodyIs8bit === true -> InvalidArgumentError
//   body undefined    Go's rule: " BODY=8BITMIME" when 8BITMIME is advertised
//   smtpUtf8 true or a non-ASCII address needs SMTPUTF8    else ExtensionNotSupportedError;
//                     smtpUtf8 false leaves it out unless the address needs it
//   size              a non-negative safe integer; over the advertised SIZE limit ->
//                     MessageTooLargeError; sent only when SIZE is advertised (it is
//                     advisory, RFC 1870 §4, so without SIZE it is left out, not an error)
//   ret, envId        need DSN (RFC 3461); envId printable ASCII, sent as xtext of at
//                     most 100 characters (§4.4)
//   requireTls        needs a TLS connection (else TlsError) and REQUIRETLS (RFC 8689 §4.1)
//   mtPriority        an integer -9..9, needs MT-PRIORITY (RFC 6710 §3)
//   deliverBy         needs DELIVERBY (RFC 2852 §4); seconds an integer of at most 9
//                     digits, positive in mode "R"; " BY=<seconds>;<mode>[T]"
//   notify            "NEVER" or a non-empty list of SUCCESS, FAILURE, DELAY without
//                     repeats; needs DSN (RFC 3461 §4.1)
//   orcpt             "type;address" or an address (then "rfc822;" is assumed); the
//                     address is sent as xtext; needs DSN (RFC 3461 §4.2)
// Every other value (a string option with a control character, a number that is not an
// integer, an unknown enum value) -> InvalidArgumentError.

import { sizeLimit } from "./ehlo.js";
import {
  ExtensionNotSupportedError,
  InvalidArgumentError,
  MessageTooLargeError,
  TlsError,
} from "./errors.js";
import { checkLine } from "./validate.js";
import { encodeXtext } from "./xtext.js";

export interface MailOptions {
  /** SIZE= (RFC 1870); refused locally over the advertised limit. */
  size?: number;
  body?: "7BIT" | "8BITMIME" | "BINARYMIME";
  smtpUtf8?: boolean;
  /** DSN (RFC 3461) */
  ret?: "FULL" | "HDRS";
  envId?: string;
  /** RFC 8689 */
  requireTls?: boolean;
  /** RFC 6710, -9..9 */
  mtPriority?: number;
  /** RFC 2852 */
  deliverBy?: { seconds: number; mode: "R" | "N"; trace?: boolean };
}

export interface RcptOptions {
  notify?: ("SUCCESS" | "FAILURE" | "DELAY")[] | "NEVER";
  /** "rfc822;addr" or an address (then rfc822 is assumed). */
  orcpt?: string;
}

export interface MailParameterContext {
  /** The session is over TLS (implicit or after STARTTLS). */
  tls: boolean;
  /** The body is known to hold bytes over 0x7F (undefined: not known). */
  bodyIs8bit?: boolean;
  /** The MAIL FROM or a RCPT TO address has non-ASCII characters. */
  addressNeedsUtf8: boolean;
}

type Extensions = ReadonlyMap<string, string>;

function need(extensions: Extensions, keyword: string, why: string): void {
  if (!extensions.has(keyword)) {
    throw new ExtensionNotSupportedError(
      `${why} needs ${keyword}, which the server does not advertise`,
    );
  }
}

function checkInteger(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/**
 * RFC 3461 §4.4: ENVID is printable US-ASCII, at most 100 characters. The limit is
 * applied to the xtext as sent (never shorter than the value), so it holds whichever
 * form a server measures. Returns the xtext.
 */
function envIdXtext(envId: unknown): string {
  if (typeof envId !== "string" || envId === "") {
    throw new InvalidArgumentError("envId must be a non-empty string");
  }
  checkLine(envId, "envId");
  if (!/^[\x20-\x7e]+$/.test(envId)) {
    throw new InvalidArgumentError("envId must be printable US-ASCII (RFC 3461 §4.4)");
  }
  const xtext = encodeXtext(envId);
  if (xtext.length > 100) {
    throw new InvalidArgumentError("envId is longer than 100 characters as xtext (RFC 3461 §4.4)");
  }
  return xtext;
}

function bodyParameter(
  body: MailOptions["body"],
  extensions: Extensions,
  context: MailParameterContext,
): string {
  switch (body) {
    case undefined:
      // Go's Client.Mail: BODY=8BITMIME whenever the server takes it.
      return extensions.has("8BITMIME") ? " BODY=8BITMIME" : "";
    case "7BIT":
      if (context.bodyIs8bit === true) {
        throw new InvalidArgumentError("body 7BIT was declared but the body has 8-bit bytes");
      }
      return extensions.has("8BITMIME") ? " BODY=7BIT" : "";
    case "8BITMIME":
      need(extensions, "8BITMIME", "body 8BITMIME");
      return " BODY=8BITMIME";
    case "BINARYMIME":
      need(extensions, "BINARYMIME", "body BINARYMIME");
      // RFC 3030 §3: a BINARYMIME message must be sent with BDAT.
      need(extensions, "CHUNKING", "body BINARYMIME");
      return " BODY=BINARYMIME";
    default:
      throw new InvalidArgumentError('body must be "7BIT", "8BITMIME" or "BINARYMIME"');
  }
}

/** The parameter suffix of MAIL FROM. See the top of this file for every rule. */
export function mailParameters(
  options: MailOptions | undefined,
  extensions: Extensions,
  context: MailParameterContext,
): string {
  const o = options ?? {};
  let out = bodyParameter(o.body, extensions, context);

  // RFC 6531 §3.4: SMTPUTF8 on MAIL; Go adds it whenever it is advertised.
  if (o.smtpUtf8 !== undefined && typeof o.smtpUtf8 !== "boolean") {
    throw new InvalidArgumentError("smtpUtf8 must be a boolean");
  }
  if (context.addressNeedsUtf8 || o.smtpUtf8 === true) {
    need(extensions, "SMTPUTF8", context.addressNeedsUtf8 ? "a non-ASCII address" : "smtpUtf8");
    out += " SMTPUTF8";
  } else if (o.smtpUtf8 === undefined && extensions.has("SMTPUTF8")) {
    out += " SMTPUTF8";
  }

  if (o.size !== undefined) {
    const size = checkInteger(o.size, "size", 0, Number.MAX_SAFE_INTEGER);
    if (extensions.has("SIZE")) {
      const limit = sizeLimit(extensions);
      if (limit !== undefined && size > limit) {
        throw new MessageTooLargeError(
          `the message is ${size} bytes, over the server's SIZE limit of ${limit} (RFC 1870)`,
        );
      }
      out += ` SIZE=${size}`;
    }
  }

  if (o.ret !== undefined) {
    if (o.ret !== "FULL" && o.ret !== "HDRS") {
      throw new InvalidArgumentError('ret must be "FULL" or "HDRS"');
    }
    need(extensions, "DSN", "ret");
    out += ` RET=${o.ret}`;
  }

  if (o.envId !== undefined) {
    const xtext = envIdXtext(o.envId);
    need(extensions, "DSN", "envId");
    out += ` ENVID=${xtext}`;
  }

  if (o.requireTls !== undefined && o.requireTls !== false) {
    if (o.requireTls !== true) throw new InvalidArgumentError("requireTls must be a boolean");
    // RFC 8689 §4.1: REQUIRETLS is only offered, and only meaningful, over TLS.
    if (!context.tls) {
      throw new TlsError("requireTls needs a TLS connection (RFC 8689)", { phase: "command" });
    }
    need(extensions, "REQUIRETLS", "requireTls");
    out += " REQUIRETLS";
  }

  if (o.mtPriority !== undefined) {
    const priority = checkInteger(o.mtPriority, "mtPriority", -9, 9);
    need(extensions, "MT-PRIORITY", "mtPriority");
    out += ` MT-PRIORITY=${priority}`;
  }

  if (o.deliverBy !== undefined) {
    const by = o.deliverBy;
    if (typeof by !== "object" || by === null) {
      throw new InvalidArgumentError("deliverBy must be { seconds, mode, trace? }");
    }
    // RFC 2852 §4: by-time = ["-" / "+"] 1*9digit; in mode R it must be positive.
    const seconds = checkInteger(by.seconds, "deliverBy.seconds", -999_999_999, 999_999_999);
    if (by.mode !== "R" && by.mode !== "N") {
      throw new InvalidArgumentError('deliverBy.mode must be "R" or "N"');
    }
    if (by.mode === "R" && seconds <= 0) {
      throw new InvalidArgumentError(
        'deliverBy.seconds must be positive in mode "R" (RFC 2852 §4)',
      );
    }
    if (by.trace !== undefined && typeof by.trace !== "boolean") {
      throw new InvalidArgumentError("deliverBy.trace must be a boolean");
    }
    need(extensions, "DELIVERBY", "deliverBy");
    out += ` BY=${seconds};${by.mode}${by.trace === true ? "T" : ""}`;
  }

  return out;
}

// A server that offers everything, over TLS: with it the builders can fail only on the
// form of a value, never on what a real server lacks (SIZE has no limit here).
const EVERY_EXTENSION: Extensions = new Map(
  [
    "8BITMIME",
    "BINARYMIME",
    "CHUNKING",
    "SMTPUTF8",
    "SIZE",
    "DSN",
    "REQUIRETLS",
    "MT-PRIORITY",
    "DELIVERBY",
  ].map((keyword) => [keyword, ""]),
);

/** Throws InvalidArgumentError when a MAIL option value is malformed; nothing else is checked. */
export function checkMailOptions(options: MailOptions | undefined): void {
  if (options !== undefined) {
    mailParameters(options, EVERY_EXTENSION, { tls: true, addressNeedsUtf8: false });
  }
}

/** Throws InvalidArgumentError when a RCPT option value is malformed; nothing else is checked. */
export function checkRcptOptions(options: RcptOptions | undefined): void {
  if (options !== undefined) rcptParameters(options, EVERY_EXTENSION);
}

const NOTIFY_VALUES = new Set(["SUCCESS", "FAILURE", "DELAY"]);
// RFC 3461 §4.2: addr-type is an atom (RFC 822), e.g. "rfc822" or "utf-8" (RFC 6533).
const ADDR_TYPE = /^([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+);/;

/** The parameter suffix of RCPT TO: NOTIFY= and ORCPT= (RFC 3461 §4.1, §4.2). */
export function rcptParameters(options: RcptOptions | undefined, extensions: Extensions): string {
  const o = options ?? {};
  let out = "";

  if (o.notify !== undefined) {
    let value: string;
    if (o.notify === "NEVER") {
      value = "NEVER";
    } else if (Array.isArray(o.notify) && o.notify.length > 0) {
      const seen = new Set<string>();
      for (const item of o.notify as unknown[]) {
        if (typeof item !== "string" || !NOTIFY_VALUES.has(item) || seen.has(item)) {
          throw new InvalidArgumentError(
            'notify must be "NEVER" or a list of "SUCCESS", "FAILURE", "DELAY" without repeats',
          );
        }
        seen.add(item);
      }
      value = [...seen].join(",");
    } else {
      throw new InvalidArgumentError(
        'notify must be "NEVER" or a non-empty list of "SUCCESS", "FAILURE", "DELAY"',
      );
    }
    need(extensions, "DSN", "notify");
    out += ` NOTIFY=${value}`;
  }

  if (o.orcpt !== undefined) {
    if (typeof o.orcpt !== "string") throw new InvalidArgumentError("orcpt must be a string");
    checkLine(o.orcpt, "orcpt");
    const typed = ADDR_TYPE.exec(o.orcpt);
    const addrType = typed === null ? "rfc822" : typed[1]!;
    const address = typed === null ? o.orcpt : o.orcpt.slice(typed[0].length);
    if (address === "") throw new InvalidArgumentError("orcpt must have an address");
    need(extensions, "DSN", "orcpt");
    out += ` ORCPT=${addrType};${encodeXtext(address)}`;
  }

  return out;
}
