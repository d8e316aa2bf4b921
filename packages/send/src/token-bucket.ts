import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";

export interface RateLimit {
  /** How many messages may start per `perMs` milliseconds, across all connections. */
  messages: number;
  perMs: number;
  /** Largest burst (tokens held when idle). Defaults to `messages`. */
  burst?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A token bucket shared by every connection of a pool: `burst` tokens when full,
 * refilled continuously at `messages / perMs` per millisecond. `take()` resolves
 * when a token was taken; waiters are served first come, first served, so one
 * busy connection cannot starve the others.
 */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #perToken: number; // ms per token
  #tokens: number;
  #last: number;
  #waiters: Waiter[] = [];
  #timer: unknown;
  #taken = 0;

  constructor(limit: RateLimit, clock: Clock = systemClock) {
    if (!(limit.messages > 0) || !(limit.perMs > 0)) {
      throw new RangeError("rateLimit.messages and rateLimit.perMs must be positive numbers");
    }
    this.#clock = clock;
    this.#capacity = limit.burst ?? limit.messages;
    if (!(this.#capacity >= 1)) throw new RangeError("rateLimit.burst must be at least 1");
    this.#perToken = limit.perMs / limit.messages;
    this.#tokens = this.#capacity;
    this.#last = clock.now();
  }

  /** Tokens handed out so far (what a test counts). */
  get taken(): number {
    return this.#taken;
  }

  /** Callers currently waiting for a token. */
  get waiting(): number {
    return this.#waiters.length;
  }

  take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#refill();
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#taken += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  /** Rejects every waiter (used when a sender is aborted) and stops the timer. */
  cancel(error: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
      w.reject(error);
    }
    this.#clearTimer();
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed / this.#perToken);
      this.#last = now;
    }
  }

  #serve(): void {
    this.#timer = undefined;
    this.#refill();
    while (this.#waiters.length > 0 && this.#tokens >= 1) {
      const w = this.#waiters.shift() as Waiter;
      this.#tokens -= 1;
      this.#taken += 1;
      if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
      w.resolve();
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return;
    const wait = Math.max(0, Math.ceil((1 - this.#tokens) * this.#perToken));
    this.#timer = this.#clock.setTimeout(() => this.#serve(), wait);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
