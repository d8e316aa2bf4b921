// OAuth 2 bearer tokens for XOAUTH2 and OAUTHBEARER: a fixed string or a
// provider the mechanism calls once per attempt (in `start`), so a client that
// retries or reconnects gets a fresh token from the caller's cache/refresh logic.
import { TokenProviderError } from "./errors.js";

export type TokenSource = string | (() => string | Promise<string>);

// RFC 6750 §2.1 b64token is printable ASCII; we refuse only what would break
// the framing (0x01 separators, CR/LF, other controls) rather than the full grammar.
const CONTROL = /[\0-\x1f\x7f]/;

export async function resolveToken(source: TokenSource, mechanism: string): Promise<string> {
  let token: unknown;
  if (typeof source === "string") {
    token = source;
  } else {
    try {
      token = await source();
    } catch (cause) {
      throw new TokenProviderError("the provider threw", { mechanism, cause });
    }
  }
  if (typeof token !== "string" || token.length === 0) {
    throw new TokenProviderError("the token is not a non-empty string", { mechanism });
  }
  if (CONTROL.test(token)) {
    throw new TokenProviderError("the token contains a control character", { mechanism });
  }
  return token;
}
