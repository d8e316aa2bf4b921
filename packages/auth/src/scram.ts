// SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677), with the -PLUS
// channel-binding variants (RFC 5802 §6, RFC 5929, RFC 9266).
//
//   C: gs2-header client-first-bare            n,,n=user,r=<cnonce>
//   S: server-first                            r=<cnonce><snonce>,s=<salt>,i=<count>
//   C: client-final-without-proof,p=<proof>    c=<base64(gs2-header[+cb-data])>,r=...,p=...
//   S: server-final                            v=<server signature> | e=<error>
//   C: (empty)                                 RFC 4954 §4: the last 334 still needs an answer
//   S: 235
//
// The password never leaves the client; the server proves with v= that it
// knows the salted password too, so a wrong v= fails the exchange even though
// the server might go on to say 235 (RFC 5802 §9).
import type { Auth, AuthStart } from "./auth.js";
import { concat, text, utf8 } from "./bytes.js";
import type { ChannelBinding } from "./channel-binding.js";
import {
  InvalidChallengeError,
  InvalidCredentialsError,
  ScramIterationCountError,
  ScramNonceError,
  ScramServerError,
  ServerSignatureError,
  UnexpectedChallengeError,
} from "./errors.js";
import { nodeCrypto } from "./node-crypto.js";
import { escapeSaslName } from "./saslname.js";
import { saslPrep } from "./saslprep.js";
import type { ServerInfo } from "./server-info.js";
import { refuseControls } from "./validate.js";

export type ScramHash = "SHA-1" | "SHA-256";

const NODE_HASH: Record<ScramHash, { name: string; length: number }> = {
  "SHA-1": { name: "sha1", length: 20 },
  "SHA-256": { name: "sha256", length: 32 },
};

/** RFC 7677 §4: "the hash iteration-count ... SHOULD be at least 4096". */
export const DEFAULT_MIN_ITERATIONS = 4096;
/** A hostile server could ask for billions of iterations to stall the client. */
export const DEFAULT_MAX_ITERATIONS = 1_000_000;

export interface ScramOptions {
  /** Authorization identity (gs2 "a="), to act as another user. */
  identity?: string;
  /**
   * Channel-binding data from the TLS socket. For the plain variants its
   * presence makes the gs2 flag "y" (the client can bind but the mechanism
   * does not), as RFC 5802 §6 asks, so a server that does offer -PLUS can
   * detect a downgrade.
   */
  channelBinding?: ChannelBinding;
  /** Refuse a server iteration count below this (default 4096). Lower it only for legacy servers. */
  minIterations?: number;
  /** Refuse a server iteration count above this (default 1,000,000). */
  maxIterations?: number;
  /** Client nonce source, for the RFC test vectors; default 24 random bytes, base64. */
  nonce?: () => string;
}

type State = "initial" | "sent-first" | "sent-final" | "verified" | "failed";

interface ServerFirst {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (no ",").
const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new InvalidChallengeError("malformed SCRAM attribute");
    const key = part[0]!;
    if (!out.has(key)) out.set(key, part.slice(2));
  }
  return out;
}

function parseServerFirst(message: string, mechanism: string): ServerFirst {
  if (message.startsWith("e=")) throw new ScramServerError(message.slice(2), { mechanism });
  // RFC 5802 §5.1 m=: a mandatory extension we do not know: we MUST fail.
  if (message.startsWith("m=")) {
    throw new InvalidChallengeError("server requires an unsupported extension (m=)", { mechanism });
  }
  // The order r, s, i is fixed by the ABNF (RFC 5802 §7).
  const parts = message.split(",");
  const [r, s, i] = parts;
  if (!r?.startsWith("r=") || !s?.startsWith("s=") || !i?.startsWith("i=")) {
    throw new InvalidChallengeError("server-first-message must be r=,s=,i=", { mechanism });
  }
  const nonce = r.slice(2);
  const saltB64 = s.slice(2);
  if (!PRINTABLE_NONCE.test(nonce)) {
    throw new InvalidChallengeError("nonce is not printable", { mechanism });
  }
  if (saltB64 === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(saltB64) || saltB64.length % 4 !== 0) {
    throw new InvalidChallengeError("salt is not base64", { mechanism });
  }
  if (!/^[1-9][0-9]{0,9}$/.test(i.slice(2))) {
    throw new InvalidChallengeError("iteration count is not a positive integer", { mechanism });
  }
  return { nonce, salt: Buffer.from(saltB64, "base64"), iterations: Number(i.slice(2)) };
}

function hmac(hash: string, key: Uint8Array, data: string | Uint8Array): Buffer {
  return nodeCrypto().createHmac(hash, key).update(data).digest();
}

/** PBKDF2 (RFC 8018), off the main thread, as SCRAM's Hi() (RFC 5802 §2.2). */
function pbkdf2(
  password: string,
  salt: Buffer,
  iterations: number,
  keyLength: number,
  hash: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    nodeCrypto().pbkdf2(password, salt, iterations, keyLength, hash, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let k = 0; k < a.length; k++) out[k] = a[k]! ^ b[k]!;
  return out;
}

function scramAuth(
  hash: ScramHash,
  plus: boolean,
  username: string,
  password: string,
  options: ScramOptions,
): Auth {
  const mechanism = `SCRAM-${hash}${plus ? "-PLUS" : ""}`;
  const { name: nodeHash, length: keyLength } = NODE_HASH[hash];
  const minIterations = options.minIterations ?? DEFAULT_MIN_ITERATIONS;
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;

  let state: State = "initial";
  let gs2Header = "";
  let clientNonce = "";
  let clientFirstBare = "";
  let expectedServerSignature: Buffer | undefined;

  function fail(error: Error): never {
    state = "failed";
    expectedServerSignature = undefined;
    throw error;
  }

  function verifyServerFinal(message: string): void {
    let attributes: Map<string, string>;
    try {
      attributes = parseAttributes(message);
    } catch (error) {
      fail(error as Error);
    }
    const serverError = attributes.get("e");
    if (serverError !== undefined) fail(new ScramServerError(serverError, { mechanism }));
    const v = attributes.get("v");
    if (v === undefined || expectedServerSignature === undefined) {
      fail(new ServerSignatureError("server did not send its signature", { mechanism }));
    }
    // Compare the base64 text, not decoded bytes: Node's decoder ignores
    // non-canonical trailing bits and stray characters, which would let a
    // malformed v= pass.
    const got = Buffer.from(v, "latin1");
    const want = Buffer.from(expectedServerSignature.toString("base64"), "latin1");
    if (got.length !== want.length || !nodeCrypto().timingSafeEqual(got, want)) {
      fail(new ServerSignatureError(undefined, { mechanism }));
    }
    expectedServerSignature = undefined;
    state = "verified";
  }

  async function clientFinal(serverFirstMessage: string): Promise<Uint8Array> {
    let first: ServerFirst;
    try {
      first = parseServerFirst(serverFirstMessage, mechanism);
    } catch (error) {
      fail(error as Error);
    }
    // RFC 5802 §5.1 r=: the server appends its part to the client's nonce.
    if (!first.nonce.startsWith(clientNonce) || first.nonce.length === clientNonce.length) {
      fail(new ScramNonceError({ mechanism }));
    }
    if (first.iterations < minIterations || first.iterations > maxIterations) {
      fail(
        new ScramIterationCountError(
          first.iterations,
          first.iterations < minIterations ? minIterations : maxIterations,
          { mechanism },
        ),
      );
    }
    const normalized = saslPrep(password, "password");
    const salted = await pbkdf2(normalized, first.salt, first.iterations, keyLength, nodeHash);
    const clientKey = hmac(nodeHash, salted, "Client Key");
    const storedKey = nodeCrypto().createHash(nodeHash).update(clientKey).digest();
    const cbInput =
      plus && options.channelBinding !== undefined
        ? concat(utf8(gs2Header), options.channelBinding.data)
        : utf8(gs2Header);
    const withoutProof = `c=${Buffer.from(cbInput).toString("base64")},r=${first.nonce}`;
    const authMessage = `${clientFirstBare},${serverFirstMessage},${withoutProof}`;
    const clientProof = xor(clientKey, hmac(nodeHash, storedKey, authMessage));
    const serverKey = hmac(nodeHash, salted, "Server Key");
    expectedServerSignature = hmac(nodeHash, serverKey, authMessage);
    state = "sent-final";
    return utf8(`${withoutProof},p=${clientProof.toString("base64")}`);
  }

  return {
    start(_server: ServerInfo): AuthStart {
      if (plus && options.channelBinding === undefined) {
        throw new InvalidCredentialsError("channelBinding", "is required for -PLUS", { mechanism });
      }
      const identity = options.identity ?? "";
      refuseControls(username, "username", mechanism);
      refuseControls(identity, "identity", mechanism);
      // RFC 5802 §5.1 n=: the user name is SASLprep'd, then "," and "=" escaped.
      const user = escapeSaslName(saslPrep(username, "username"));
      // Fail early (before anything is sent) on a password SASLprep refuses.
      saslPrep(password, "password");
      const nonce = options.nonce
        ? options.nonce()
        : nodeCrypto().randomBytes(24).toString("base64");
      if (!PRINTABLE_NONCE.test(nonce)) {
        throw new InvalidCredentialsError("nonce", "must be printable ASCII without ','", {
          mechanism,
        });
      }
      const flag = plus
        ? `p=${options.channelBinding!.type}`
        : options.channelBinding !== undefined
          ? "y"
          : "n";
      const authzid = identity === "" ? "" : `a=${escapeSaslName(saslPrep(identity, "identity"))}`;
      gs2Header = `${flag},${authzid},`;
      clientNonce = nonce;
      clientFirstBare = `n=${user},r=${nonce}`;
      expectedServerSignature = undefined;
      state = "sent-first";
      return { mechanism, initialResponse: utf8(gs2Header + clientFirstBare) };
    },

    async next(fromServer: Uint8Array, more: boolean): Promise<Uint8Array | null> {
      const message = text(fromServer);
      if (more) {
        if (state === "sent-first") return clientFinal(message);
        if (state === "sent-final") {
          verifyServerFinal(message);
          // RFC 4954 §4: v= came as a challenge; an empty response lets the server say 235.
          return new Uint8Array(0);
        }
        fail(new UnexpectedChallengeError({ mechanism }));
      }
      // The server says 235. Believe it only if it proved it knows the password.
      if (state === "verified") return null;
      if (state === "sent-final" && message.startsWith("v=")) {
        // Tolerate v= delivered as success data rather than a challenge.
        verifyServerFinal(message);
        return null;
      }
      fail(
        new ServerSignatureError("server claimed success without proving it knows the password", {
          mechanism,
        }),
      );
    },
  };
}

export function scramSha1Auth(
  username: string,
  password: string,
  options: ScramOptions = {},
): Auth {
  return scramAuth("SHA-1", false, username, password, options);
}

export function scramSha256Auth(
  username: string,
  password: string,
  options: ScramOptions = {},
): Auth {
  return scramAuth("SHA-256", false, username, password, options);
}

export function scramSha1PlusAuth(
  username: string,
  password: string,
  channelBinding: ChannelBinding,
  options: Omit<ScramOptions, "channelBinding"> = {},
): Auth {
  return scramAuth("SHA-1", true, username, password, { ...options, channelBinding });
}

export function scramSha256PlusAuth(
  username: string,
  password: string,
  channelBinding: ChannelBinding,
  options: Omit<ScramOptions, "channelBinding"> = {},
): Auth {
  return scramAuth("SHA-256", true, username, password, { ...options, channelBinding });
}
