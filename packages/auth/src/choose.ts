// The chooser: from the caller's credentials and the server's EHLO AUTH list,
// the mechanisms worth trying, strongest first. The client tries them in order
// and moves to the next one only when the server refuses the mechanism itself
// or the credentials for it (see isFallbackReply); any other failure ends the
// attempt.
import type { Auth } from "./auth.js";
import type { ChannelBinding } from "./channel-binding.js";
import { cramMd5Auth } from "./cram-md5.js";
import { loginAuth } from "./login.js";
import { oauthBearerAuth } from "./oauthbearer.js";
import { plainAuth } from "./plain.js";
import { scramSha1Auth, scramSha1PlusAuth, scramSha256Auth, scramSha256PlusAuth } from "./scram.js";
import type { TokenSource } from "./token.js";
import { xoauth2Auth } from "./xoauth2.js";

export type Credentials =
  | { username: string; password: string; identity?: string }
  | { username: string; token: TokenSource };

export interface ChooseOptions {
  /** The host the credentials are for (the TLS-verified server name). */
  host: string;
  /** TLS channel-binding data; enables the SCRAM -PLUS mechanisms. */
  channelBinding?: ChannelBinding;
  /** Only these mechanisms (case-insensitive) may be used, e.g. ["SCRAM-SHA-256"]. */
  allowedMechanisms?: string[];
  /** The server port, for OAUTHBEARER's "port=" (RFC 7628 §3.1). */
  port?: number;
}

/** Password mechanisms, strongest first. */
export const PASSWORD_MECHANISMS = [
  "SCRAM-SHA-256-PLUS",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-256",
  "SCRAM-SHA-1",
  "CRAM-MD5",
  "PLAIN",
  "LOGIN",
] as const;

/** Token mechanisms, standard first. */
export const TOKEN_MECHANISMS = ["OAUTHBEARER", "XOAUTH2"] as const;

function passwordMechanism(
  name: (typeof PASSWORD_MECHANISMS)[number],
  credentials: { username: string; password: string; identity?: string },
  options: ChooseOptions,
): Auth | undefined {
  const { username, password } = credentials;
  const identity = credentials.identity ?? "";
  const cb = options.channelBinding;
  const scramOptions = identity === "" ? {} : { identity };
  const scramPlain = cb === undefined ? scramOptions : { ...scramOptions, channelBinding: cb };
  switch (name) {
    case "SCRAM-SHA-256-PLUS":
      return cb && scramSha256PlusAuth(username, password, cb, scramOptions);
    case "SCRAM-SHA-1-PLUS":
      return cb && scramSha1PlusAuth(username, password, cb, scramOptions);
    case "SCRAM-SHA-256":
      return scramSha256Auth(username, password, scramPlain);
    case "SCRAM-SHA-1":
      return scramSha1Auth(username, password, scramPlain);
    case "CRAM-MD5":
      // CRAM-MD5 has no authorization identity; acting as someone else is not possible.
      return identity === "" ? cramMd5Auth(username, password) : undefined;
    case "PLAIN":
      return plainAuth(identity, username, password, options.host);
    case "LOGIN":
      return identity === "" ? loginAuth(username, password, options.host) : undefined;
  }
}

/**
 * The mechanisms to try, strongest first, limited to those the server
 * advertised (compared case-insensitively) and to `allowedMechanisms` when
 * given. An empty array means there is nothing we can use.
 */
export function chooseMechanisms(
  credentials: Credentials,
  advertised: readonly string[],
  options: ChooseOptions,
): Auth[] {
  const offered = new Set(advertised.map((m) => m.toUpperCase()));
  const allowed = options.allowedMechanisms?.map((m) => m.toUpperCase());
  const usable = (name: string) =>
    offered.has(name) && (allowed === undefined || allowed.includes(name));
  const out: Auth[] = [];
  if ("token" in credentials) {
    for (const name of TOKEN_MECHANISMS) {
      if (!usable(name)) continue;
      out.push(
        name === "OAUTHBEARER"
          ? oauthBearerAuth(
              credentials.username,
              credentials.token,
              options.host,
              options.port === undefined ? {} : { port: options.port },
            )
          : xoauth2Auth(credentials.username, credentials.token, options.host),
      );
    }
    return out;
  }
  for (const name of PASSWORD_MECHANISMS) {
    if (!usable(name)) continue;
    const auth = passwordMechanism(name, credentials, options);
    if (auth !== undefined) out.push(auth);
  }
  return out;
}

/**
 * True for the replies after which trying the next mechanism makes sense:
 *   504  mechanism not supported (RFC 4954 §6, "5.5.4 Unrecognized authentication type")
 *   534  mechanism too weak (RFC 4954 §6, "5.7.9 Authentication mechanism is too weak")
 *   535  credentials invalid (RFC 4954 §6, "5.7.8"); a different mechanism may
 *        still succeed, e.g. when the server stores passwords only for some.
 * Everything else (454 temporary failure, 530, 538 encryption required, 421
 * closing) ends the attempt.
 */
export function isFallbackReply(code: number): boolean {
  return code === 504 || code === 534 || code === 535;
}
