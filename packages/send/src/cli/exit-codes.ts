// Exit codes from BSD sysexits.h, which sendmail and most mail tools use, so a
// script can tell "try again later" (75) from "fix your command" (64).
export const EXIT = {
  ok: 0,
  /** Some messages were not sent (bulk), or the outcome is unknown. */
  partial: 1,
  usage: 64,
  /** A bad address. */
  dataErr: 65,
  /** The message file could not be read. */
  noInput: 66,
  /** The server refused for good (5xx), or could not be reached. */
  unavailable: 69,
  /** A temporary failure (4xx, timeout, lost connection): try again later. */
  tempFail: 75,
  /** The server spoke something that is not SMTP. */
  protocol: 76,
  /** Authentication failed or TLS could not be established as required. */
  noPerm: 77,
} as const;

/** The exit code for an error from @smtp/client, @smtp/auth or @smtp/send. */
export function exitCodeFor(error: unknown): number {
  const e = error as { code?: unknown; temporary?: unknown; phase?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (code === "ERR_INVALID_ADDRESS" || code === "ERR_INVALID_ARGUMENT") return EXIT.dataErr;
  if (code === "ERR_SMTP_PROTOCOL") return EXIT.protocol;
  if (code === "ERR_TIMEOUT" || code === "ERR_CONNECTION_CLOSED") {
    return e?.phase === "connect" ? EXIT.unavailable : EXIT.tempFail;
  }
  if (
    code.startsWith("ERR_TLS") ||
    code === "ERR_STARTTLS_INJECTION" ||
    code === "ERR_AUTH_NOT_SUPPORTED"
  ) {
    return EXIT.noPerm;
  }
  if (e?.phase === "auth" || code.startsWith("ERR_AUTH")) return EXIT.noPerm;
  if (e?.temporary === true) return EXIT.tempFail;
  if (
    code === "ERR_SMTP_REPLY" ||
    code === "ERR_RECIPIENTS_REFUSED" ||
    code === "ERR_MESSAGE_TOO_LARGE"
  ) {
    return EXIT.unavailable;
  }
  return EXIT.partial;
}
