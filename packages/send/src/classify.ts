import { SmtpError, SmtpReplyError } from "@smtp/client";

/**
 * What a failed attempt means for the message (the pool's retry policy):
 * - "retry": safe to send again: a temporary (4xx) reply, or the connection was
 *   lost BEFORE the final dot was written (the server cannot have accepted it);
 * - "unknown": the connection was lost or timed out AFTER the final dot (phase
 *   "final-reply"): the server may have accepted the message, so sending it
 *   again could deliver it twice. Never retried;
 * - "refused": a permanent (5xx) reply;
 * - "failed": anything else that retrying will not fix (bad argument, TLS,
 *   message too large, extension not supported, the caller's abort, ...).
 */
export type FailureKind = "retry" | "unknown" | "refused" | "failed";

// Errors that mean "the transport died", not "the request was wrong".
const lossCodes = new Set(["ERR_CONNECTION_CLOSED", "ERR_TIMEOUT", "ERR_SMTP_PROTOCOL"]);

/** `stage` says whether the failure came while opening the session (nothing of
 *  the message was sent yet) or during the transaction. */
export function classifyFailure(error: unknown, stage: "open" | "transaction"): FailureKind {
  if (error instanceof SmtpReplyError) {
    // A reply is a definite answer, even after the final dot: a 4xx to the dot
    // says the message was NOT accepted (RFC 5321 §4.2.5), so retrying is safe.
    return error.temporary ? "retry" : "refused";
  }
  if (!isConnectionLoss(error)) return "failed";
  if (stage === "open") return "retry";
  // In a transaction only a phase before the final dot proves it is safe; an
  // error without a phase (should not happen) is treated as after the dot.
  const phase = error instanceof SmtpError ? error.phase : undefined;
  return phase === undefined || phase === "final-reply" ? "unknown" : "retry";
}

/** A lost or broken connection (ours or a raw socket error), not a caller mistake. */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof SmtpError) return lossCodes.has(error.code);
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    /^(ECONNRESET|EPIPE|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|ERR_STREAM_)/.test(code)
  );
}
