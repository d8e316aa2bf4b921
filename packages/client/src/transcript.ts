// The transcript hook: every command line and reply line in both directions, with AUTH
// payloads replaced by a placeholder (DESIGN §6 "Logging"). Body bytes are not lines of
// the protocol and never reach the hook.
//
// During an AUTH exchange (RFC 4954 §4) the client's initial response and every
// continuation line carry credentials or proofs, and the server's 334 challenges may
// carry material a log should not keep (nonces, salts, OAuth error JSON). The code and
// the mechanism name stay visible; the payload does not.

export type TranscriptHook = (direction: "client" | "server", line: string) => void;

export const REDACTED = "<redacted>";

export class Transcript {
  private readonly hook: TranscriptHook | undefined;
  /** True from the AUTH command until its final reply has been read. */
  inAuth = false;

  constructor(hook: TranscriptHook | undefined) {
    this.hook = hook;
  }

  /** The function handed to the textproto Conn as its `onLine`. */
  readonly onLine = (direction: "client" | "server", line: string): void => {
    if (this.hook === undefined) return;
    this.hook(direction, this.inAuth ? redactAuthLine(direction, line) : line);
  };
}

/** Redacts one line of an AUTH exchange. */
export function redactAuthLine(direction: "client" | "server", line: string): string {
  if (direction === "server") {
    // "334 <base64>" or "334-..." carries a challenge; 235/5xx text is for humans.
    return /^334[ -]/.test(line) ? `${line.slice(0, 4)}${REDACTED}` : line;
  }
  return redactCommand(line);
}

/**
 * The form of a client line that may appear in a log or an error's `command`:
 * `AUTH <mech> <payload>` keeps the mechanism, a bare continuation line is replaced,
 * "*" (the cancel) is kept.
 */
export function redactCommand(line: string): string {
  if (line === "*") return line;
  const match = /^(AUTH [^ ]+)( .*)?$/i.exec(line);
  if (match !== null) return match[2] === undefined ? line : `${match[1]} ${REDACTED}`;
  return REDACTED;
}
