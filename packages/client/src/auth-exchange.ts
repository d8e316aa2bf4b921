// The AUTH exchange (RFC 4954 §4), Go's Client.Auth loop:
//   AUTH <mech>[ <base64 initial response>]   ("=" for an EMPTY initial response, §4)
//   334 <base64>  -> strict decode -> next(challenge, true) -> base64 line
//   235 <text>    -> next(text, false); done
//   anything else -> error
// When the mechanism fails (or a challenge is not valid base64) or the server refuses,
// the exchange is cancelled with "*" (§4), one reply is read, and QUIT is sent. A
// refusal in start() sends only QUIT. authenticate() drives several mechanisms and, on a
// refusal that names the mechanism (504, 534, 535), moves on to the next one instead.
import {
  type Auth,
  type ChannelBinding,
  type Credentials,
  chooseMechanisms,
  isFallbackReply,
} from "@smtp/auth";
import type { Client, Reply } from "./client.js";
import { ExtensionNotSupportedError, SmtpProtocolError, SmtpReplyError } from "./errors.js";
import { REDACTED, redactCommand } from "./transcript.js";

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextEncoder();

/** Base64 as RFC 4648 §4 has it, padding required, nothing else allowed (Go's StdEncoding). */
export function decodeBase64Strict(text: string): Uint8Array {
  if (!STRICT_BASE64.test(text)) {
    throw new SmtpProtocolError("the server's 334 challenge is not valid base64", {
      phase: "auth",
    });
  }
  return Buffer.from(text, "base64");
}

function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The AUTH command line: no initial response, "=" for an empty one, else base64. */
export function authLine(mechanism: string, initialResponse: Uint8Array | undefined): string {
  if (initialResponse === undefined) return `AUTH ${mechanism}`;
  return `AUTH ${mechanism} ${initialResponse.length === 0 ? "=" : encodeBase64(initialResponse)}`;
}

/**
 * What happens when the server refuses the attempt (a final reply other than 235):
 *   "quit":   Go's way: "*", one reply, QUIT, throw.
 *   "return": throw the SmtpReplyError at once and leave the session open, so the
 *             caller can try another mechanism.
 * A failure of the mechanism itself always cancels and QUITs.
 */
export type OnRefusal = "quit" | "return";

/** A refusal in start(): marked so authenticate() can tell it from a server refusal. */
class StartRefused extends Error {}

/** Runs one exchange; resolves with the mechanism name on 235. The lock is held by the caller. */
export async function authExchange(client: Client, a: Auth, onRefusal: OnRefusal): Promise<string> {
  let start: Awaited<ReturnType<Auth["start"]>>;
  try {
    start = await a.start(client.serverInfo());
  } catch (err) {
    if (onRefusal === "quit") {
      await quietly(() => client.quitLocked());
      throw err;
    }
    throw new StartRefused("start refused", { cause: err });
  }
  checkMechanismName(start.mechanism);
  let line = authLine(start.mechanism, start.initialResponse);
  let logged = redactCommand(line);
  client.setAuthMode(true);
  try {
    let reply = await client.cmd("auth", 0, line, logged);
    for (;;) {
      let response: Uint8Array | null;
      try {
        if (reply.code === 334) {
          response = await a.next(decodeBase64Strict(reply.message), true);
          // A challenge needs an answer (RFC 4954 §4); Go would stop and leave the
          // server waiting. An absent answer is sent as an empty one.
          response ??= new Uint8Array(0);
        } else if (reply.code === 235) {
          // Not base64: it is not a challenge (Go's comment).
          await a.next(utf8.encode(reply.message), false);
          return start.mechanism;
        } else {
          const refusal = refusalError(reply, logged, a);
          if (onRefusal === "return") throw new ReturnNow(refusal);
          throw refusal;
        }
      } catch (err) {
        if (err instanceof ReturnNow) throw err.error;
        // Cancel the exchange, read its reply, then QUIT (Go: c.cmd(501, "*"); c.Quit()).
        await quietly(() => client.cmd("auth", 0, "*"));
        client.setAuthMode(false);
        await quietly(() => client.quitLocked());
        throw err;
      }
      line = encodeBase64(response);
      logged = REDACTED;
      reply = await client.cmd("auth", 0, line, logged);
    }
  } finally {
    client.setAuthMode(false);
  }
}

class ReturnNow {
  constructor(readonly error: SmtpReplyError) {}
}

function refusalError(reply: Reply, command: string, a: Auth): SmtpReplyError {
  const why = a.failure?.();
  return new SmtpReplyError(reply, { phase: "auth", command, cause: why });
}

function checkMechanismName(mechanism: string): void {
  // RFC 4422 §3.1: 1-20 of A-Z, 0-9, "-", "_". A bad name would corrupt the command line.
  if (!/^[A-Za-z0-9_-]{1,20}$/.test(mechanism)) {
    throw new SmtpProtocolError(
      `invalid SASL mechanism name from the Auth: ${JSON.stringify(mechanism)}`,
      {
        phase: "auth",
      },
    );
  }
}

async function quietly(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch {
    // The original error is the one the caller needs.
  }
}

export interface AuthenticateOptions {
  /** Only these mechanisms may be used (case-insensitive), e.g. ["SCRAM-SHA-256"]. */
  mechanisms?: string[];
  /** The server port, for OAUTHBEARER's "port=" (RFC 7628 §3.1). */
  port?: number;
}

/**
 * authenticate(): the mechanisms @smtp/auth chooses for these credentials and this
 * server, tried in order. A server refusal with 504/534/535 moves to the next one; a
 * mechanism that refuses to start is skipped; anything else, or the last failure,
 * ends the session with QUIT (Go: "A failed authentication closes the connection").
 */
export async function authenticateWith(
  client: Client,
  credentials: Credentials,
  channelBinding: ChannelBinding | undefined,
  options: AuthenticateOptions = {},
): Promise<string> {
  const server = client.serverInfo();
  if (client.extensionMap === undefined || !client.extensionMap.has("AUTH")) {
    throw new ExtensionNotSupportedError("server doesn't support AUTH", { phase: "auth" });
  }
  const candidates = chooseMechanisms(credentials, server.auth, {
    host: client.host,
    ...(channelBinding === undefined ? {} : { channelBinding }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.mechanisms === undefined ? {} : { allowedMechanisms: options.mechanisms }),
  });
  let last: unknown;
  for (const a of candidates) {
    try {
      return await authExchange(client, a, "return");
    } catch (err) {
      if (err instanceof StartRefused) {
        last = err.cause;
        continue;
      }
      if (err instanceof SmtpReplyError && err.phase === "auth" && isFallbackReply(err.replyCode)) {
        last = err;
        continue;
      }
      throw err;
    }
  }
  await quietly(() => client.quitLocked());
  if (last !== undefined) throw last;
  throw new ExtensionNotSupportedError(
    `no usable AUTH mechanism: the server offers ${server.auth.join(" ") || "none"}`,
    { phase: "auth" },
  );
}
