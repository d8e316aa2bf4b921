// The JSON error a server sends instead of success when it refuses a bearer
// token (RFC 7628 §3.2.2; Google's XOAUTH2 sends the same shape). It is a
// challenge the client must acknowledge before the server sends the failure reply.
import { text } from "./bytes.js";
import { OAuthBearerError } from "./errors.js";

function field(json: Record<string, unknown>, key: string): string | undefined {
  const value = json[key];
  return typeof value === "string" ? value : undefined;
}

export function parseOAuthErrorChallenge(
  challenge: Uint8Array,
  mechanism: string,
): OAuthBearerError {
  let json: unknown;
  try {
    json = JSON.parse(text(challenge));
  } catch {
    json = undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return new OAuthBearerError({}, { mechanism });
  }
  const record = json as Record<string, unknown>;
  const fields: {
    status?: string;
    scope?: string;
    schemes?: string;
    openidConfiguration?: string;
  } = {};
  const status = field(record, "status");
  const scope = field(record, "scope");
  const schemes = field(record, "schemes");
  const openidConfiguration = field(record, "openid-configuration");
  if (status !== undefined) fields.status = status;
  if (scope !== undefined) fields.scope = scope;
  if (schemes !== undefined) fields.schemes = schemes;
  if (openidConfiguration !== undefined) fields.openidConfiguration = openidConfiguration;
  return new OAuthBearerError(fields, { mechanism });
}
