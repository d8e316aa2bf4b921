// Phase deadlines (RFC 5321 §4.5.3.2) merged with the caller's AbortSignal and an
// optional total deadline for the session. A phase that overruns, or an abort, destroys
// the transport: after either the session state is unknown (a reply may be half read,
// a command half written), so nothing on this connection can be trusted again.
import { AbortError, type Phase, TimeoutError } from "./errors.js";

/** Milliseconds. */
export interface Timeouts {
  /** TCP connect plus any TLS handshake. RFC 5321 is silent; 30 s is generous for a setup. */
  connect: number;
  /** The 220 greeting: RFC 5321 §4.5.3.2.1 "Initial 220 Message: 5 Minutes". */
  greeting: number;
  /** Each command's reply and each body write to drain: §4.5.3.2.2–.5 (MAIL, RCPT,
   *  DATA initiation, data block) all say 5 minutes (3 for DATA initiation; we use 5). */
  command: number;
  /** The reply after the final dot: §4.5.3.2.6 "DATA Termination: 10 Minutes". */
  finalReply: number;
  /** Optional deadline for the whole session, from the moment the client is made. */
  total?: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connect: 30_000,
  greeting: 300_000,
  command: 300_000,
  finalReply: 600_000,
});

export function resolveTimeouts(partial: Partial<Timeouts> | undefined): Timeouts {
  const merged: Timeouts = { ...DEFAULT_TIMEOUTS };
  if (partial === undefined) return merged;
  for (const key of ["connect", "greeting", "command", "finalReply", "total"] as const) {
    const value = partial[key];
    if (value === undefined) continue;
    if (!(value >= 0)) throw new RangeError(`timeouts.${key} must be a number of milliseconds`);
    merged[key] = value;
  }
  return merged;
}

/**
 * Runs operations under a phase deadline, the total deadline and the session signal.
 * `onFail` is called once with the TimeoutError or AbortError that ended an operation;
 * the client destroys its transport there, which makes every pending read reject too.
 */
export class Deadline {
  readonly timeouts: Timeouts;
  readonly signal: AbortSignal | undefined;
  private readonly totalEndsAt: number | undefined;

  constructor(timeouts: Timeouts, signal: AbortSignal | undefined, startedAt = Date.now()) {
    this.timeouts = timeouts;
    this.signal = signal;
    this.totalEndsAt = timeouts.total === undefined ? undefined : startedAt + timeouts.total;
  }

  /** The error to throw when the signal has already fired, else undefined. */
  aborted(phase: Phase): AbortError | undefined {
    if (this.signal?.aborted !== true) return undefined;
    return abortError(this.signal, phase);
  }

  /**
   * Races `op` against `ms` (capped by what is left of the total deadline) and the
   * signal. On either, `onFail(err)` runs first (to destroy the socket) and the returned
   * promise rejects with `err`; `op`'s own late rejection is swallowed.
   */
  async run<T>(
    phase: Phase,
    ms: number,
    op: () => Promise<T>,
    onFail: (error: TimeoutError | AbortError) => void,
  ): Promise<T> {
    const early = this.aborted(phase);
    if (early !== undefined) {
      onFail(early);
      throw early;
    }
    let limit = ms;
    let byTotal = false;
    if (this.totalEndsAt !== undefined) {
      const left = Math.max(0, this.totalEndsAt - Date.now());
      if (left <= limit) {
        limit = left;
        byTotal = true;
      }
    }
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const failure = new Promise<never>((_, reject) => {
      const fail = (error: TimeoutError | AbortError) => {
        onFail(error);
        reject(error);
      };
      if (Number.isFinite(limit)) {
        timer = setTimeout(() => {
          const what = byTotal ? "total session deadline" : `${phase} timeout`;
          fail(
            new TimeoutError(
              `${what} of ${byTotal ? this.timeouts.total : ms} ms exceeded during ${phase}`,
              { phase },
            ),
          );
        }, limit);
      }
      if (this.signal !== undefined) {
        const signal = this.signal;
        onAbort = () => fail(abortError(signal, phase));
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
    const work = op();
    try {
      return await Promise.race([work, failure]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (onAbort !== undefined) this.signal?.removeEventListener("abort", onAbort);
      // Whichever lost the race must not become an unhandled rejection.
      work.catch(() => {});
      failure.catch(() => {});
    }
  }
}

export function abortError(signal: AbortSignal, phase: Phase): AbortError {
  return new AbortError(`aborted during ${phase}`, { phase, cause: signal.reason });
}
