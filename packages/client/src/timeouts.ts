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

/** One operation under watch: when it must be done by, and how to end it. */
interface Watch {
  readonly phase: Phase;
  readonly ms: number;
  readonly byTotal: boolean;
  readonly endsAt: number;
  /** Rejects the operation's promise after `onFail`; a no-op once it settled. */
  readonly fail: (error: TimeoutError | AbortError) => void;
}

/** setTimeout's longest delay; a longer one fires at once (Node), so we re-arm instead. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Runs operations under a phase deadline, the total deadline and the session signal.
 * `onFail` is called once with the TimeoutError or AbortError that ended an operation;
 * the client destroys its transport there, which makes every pending read reject too.
 *
 * A session runs a few operations per message, often overlapping (a pipelined final
 * reply and the next envelope). Rather than a timer, a racing promise and an abort
 * listener per operation, one timer watches every operation in flight: it is armed for
 * the earliest deadline and, since later operations end later, rarely re-armed; one
 * abort listener serves them all. Deadlines are absolute (Date.now() based).
 */
export class Deadline {
  readonly timeouts: Timeouts;
  readonly signal: AbortSignal | undefined;
  private readonly totalEndsAt: number | undefined;
  private readonly watching = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private onAbort: (() => void) | undefined;
  private disposed = false;

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
   * promise rejects with `err`; `op`'s own late settlement is ignored.
   */
  run<T>(
    phase: Phase,
    ms: number,
    op: () => Promise<T>,
    onFail: (error: TimeoutError | AbortError) => void,
  ): Promise<T> {
    const early = this.aborted(phase);
    if (early !== undefined) {
      onFail(early);
      return Promise.reject(early);
    }
    let limit = ms;
    let byTotal = false;
    const now = this.totalEndsAt !== undefined || Number.isFinite(ms) ? Date.now() : 0;
    if (this.totalEndsAt !== undefined) {
      const left = Math.max(0, this.totalEndsAt - now);
      if (left <= limit) {
        limit = left;
        byTotal = true;
      }
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const watch: Watch = {
        phase,
        ms,
        byTotal,
        endsAt: Number.isFinite(limit) ? now + limit : Number.POSITIVE_INFINITY,
        fail: (error) => {
          if (settled) return;
          settled = true;
          this.unwatch(watch);
          onFail(error);
          reject(error);
        },
      };
      this.watch(watch);
      let work: Promise<T>;
      try {
        work = op();
      } catch (err) {
        settled = true;
        this.unwatch(watch);
        reject(err);
        return;
      }
      work.then(
        (value) => {
          if (settled) return;
          settled = true;
          this.unwatch(watch);
          resolve(value);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          this.unwatch(watch);
          reject(err);
        },
      );
    });
  }

  /**
   * The session is over: once no operation is in flight, no timer or listener is left
   * behind. Operations still running keep their deadline (a stalled body source still
   * times out).
   */
  dispose(): void {
    this.disposed = true;
    if (this.watching.size === 0) this.release();
  }

  private release(): void {
    this.disarm();
    if (this.onAbort !== undefined) {
      this.signal?.removeEventListener("abort", this.onAbort);
      this.onAbort = undefined;
    }
  }

  private watch(watch: Watch): void {
    this.watching.add(watch);
    if (this.signal !== undefined && this.onAbort === undefined) {
      const signal = this.signal;
      this.onAbort = () => {
        for (const w of [...this.watching]) w.fail(abortError(signal, w.phase));
      };
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
    if (watch.endsAt < this.timerAt) this.arm(watch.endsAt);
    else if (this.watching.size === 1) this.timer?.ref();
  }

  private unwatch(watch: Watch): void {
    this.watching.delete(watch);
    if (this.watching.size > 0) return;
    if (this.disposed) this.release();
    // Left armed for the next operation, but it must not keep the process alive alone.
    else this.timer?.unref();
  }

  private arm(at: number): void {
    this.disarm();
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.min(MAX_DELAY, Math.max(0, at - Date.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** The timer fired: end every operation past its deadline, re-arm for the next one. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const w of [...this.watching]) {
      if (w.endsAt <= now) {
        const what = w.byTotal ? "total session deadline" : `${w.phase} timeout`;
        w.fail(
          new TimeoutError(
            `${what} of ${w.byTotal ? this.timeouts.total : w.ms} ms exceeded during ${w.phase}`,
            { phase: w.phase },
          ),
        );
      } else if (w.endsAt < next) next = w.endsAt;
    }
    if (Number.isFinite(next) && this.watching.size > 0) this.arm(next);
  }
}

export function abortError(signal: AbortSignal, phase: Phase): AbortError {
  return new AbortError(`aborted during ${phase}`, { phase, cause: signal.reason });
}
