import { setMaxListeners } from "node:events";
import type { Client, MessageBody, RecipientResult, Reply } from "@smtp/client";
import { RecipientsRefusedError, SmtpReplyError } from "@smtp/client";
import { checkAddresses } from "./address.js";
import { ReplayableBody } from "./body.js";
import { classifyFailure } from "./classify.js";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import { SendAbortedError, SenderClosedError } from "./errors.js";
import {
  checkOptions,
  type SessionAuth,
  type SessionOptions,
  type TransactionOptions,
} from "./options.js";
import { PooledConnection } from "./pool.js";
import { envelopeOf } from "./send-mail.js";
import { openSession, quitQuietly } from "./session.js";
import type { RateLimit } from "./token-bucket.js";
import { TokenBucket } from "./token-bucket.js";

export interface PoolOptions {
  /** Connections open at the same time. Default 5. */
  maxConnections?: number;
  /** After this many messages a connection is closed (QUIT) and replaced. Default 100. */
  maxMessagesPerConnection?: number;
  /** An idle connection is closed after this many ms without work. Default 30 000. */
  idleTimeout?: number;
  /** Messages waiting for a free connection before send() itself waits. Default 2 × maxConnections. */
  maxQueued?: number;
  /** Shared by every connection: at most `messages` transactions start per `perMs`. */
  rateLimit?: RateLimit;
  /** Extra attempts for a temporary failure or a connection lost before the final dot. Default 2. */
  maxRetries?: number;
  /** Wait before retry n is n × retryDelay ms. Default 1 000. */
  retryDelay?: number;
  /**
   * Transactions in flight per connection. With 2 (the default) the next
   * message's MAIL/RCPT/DATA leave in the same write as the previous message's
   * final dot when the server offers PIPELINING (RFC 2920), saving a round trip
   * per message. 1 sends strictly one message after the other.
   */
  pipelineDepth?: number;
}

export interface SenderOptions extends SessionOptions, TransactionOptions {
  /** "host:port" of the submission server. */
  addr: string;
  auth?: SessionAuth;
  pool?: PoolOptions;
  /** Time source for the rate limit, the idle timeout and retry waits (tests). */
  clock?: Clock;
}

export interface Message extends TransactionOptions {
  from: string;
  to: readonly string[];
  body: MessageBody;
}

/**
 * - "sent": the server accepted the message (250 after the final dot), for
 *   `accepted` (with onRecipientRefused "continue", `rejected` lists the others);
 * - "refused": the server refused it for good (5xx), see `reply` and `rejected`;
 * - "failed": not sent: a local error, or retries were exhausted;
 * - "unknown": the connection was lost after the final dot; the server may or
 *   may not have accepted it. It was not retried, so it is never sent twice.
 */
export type SendOutcome = "sent" | "refused" | "failed" | "unknown";

export interface SendResult {
  outcome: SendOutcome;
  accepted: string[];
  rejected: RecipientResult[];
  /** Every recipient's result, in order, when the RCPT stage was reached. */
  recipients: RecipientResult[];
  /** The final reply ("sent"), or the refusing reply. */
  reply: Reply | undefined;
  /** Transactions started for this message (1 + retries); 0 if none started. */
  attempts: number;
  error: Error | undefined;
}

export interface SenderStats {
  connections: number;
  /** Lanes (transactions that may be in flight), over all connections. */
  lanes: number;
  /** Lanes waiting for work with their connection open. */
  idle: number;
  queued: number;
  /** send() calls waiting for room in the queue (backpressure). */
  blocked: number;
  /** Connections waiting for a rate-limit token. */
  waitingForToken: number;
  tokensTaken: number;
  connectionsOpened: number;
  sent: number;
  refused: number;
  failed: number;
  unknown: number;
  retries: number;
}

export interface Sender extends AsyncDisposable {
  /** Sends one message through the pool. Never rejects: the result says what happened. */
  send(message: Message): Promise<SendResult>;
  /** Resolves when the queue has room, so a producer can pace itself. */
  ready(): Promise<void>;
  /** Drains (default: everything already passed to send() is attempted) or aborts. Idempotent. */
  close(options?: { abort?: boolean }): Promise<void>;
  stats(): SenderStats;
}

interface Job {
  message: Message;
  body: ReplayableBody;
  attempts: number;
  resolve: (result: SendResult) => void;
  settled: boolean;
}

/** One transaction at a time on a connection slot; a slot has up to pipelineDepth lanes. */
interface Lane {
  slot: PooledConnection;
  wake: ((job: Job | undefined) => void) | undefined;
  idleTimer: unknown;
}

/** A pooled, rate-limited sender on top of @smtp/client (issue 5). */
export function createSender(options: SenderOptions): Sender {
  return new PooledSender(options);
}

class PooledSender implements Sender {
  readonly #options: SenderOptions;
  readonly #clock: Clock;
  readonly #maxConnections: number;
  readonly #maxPerConnection: number;
  readonly #idleTimeout: number;
  readonly #maxQueued: number;
  readonly #maxRetries: number;
  readonly #retryDelay: number;
  readonly #depth: number;
  readonly #bucket: TokenBucket | undefined;
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;

  #queue: Job[] = [];
  #blocked: Job[] = [];
  #readyWaiters: (() => void)[] = [];
  readonly #slots = new Set<PooledConnection>();
  readonly #lanes = new Set<Lane>();
  #idle: Lane[] = [];
  #closing = false;
  #aborted = false;
  /** A session could not be set up for a reason retrying will not fix (credentials
   *  refused, TLS required but missing, certificate rejected): every message fails
   *  with it from then on, instead of each one trying the server again. */
  #broken: { error: Error; kind: "refused" | "failed" } | undefined;
  #closed: Promise<void> | undefined;
  #onLanesDone: (() => void) | undefined;
  #stats = { connectionsOpened: 0, sent: 0, refused: 0, failed: 0, unknown: 0, retries: 0 };

  constructor(options: SenderOptions) {
    checkOptions(options);
    const pool = options.pool ?? {};
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#maxConnections = positive(pool.maxConnections ?? 5, "maxConnections");
    this.#maxPerConnection = positive(
      pool.maxMessagesPerConnection ?? 100,
      "maxMessagesPerConnection",
    );
    this.#idleTimeout = pool.idleTimeout ?? 30_000;
    this.#maxQueued = positive(pool.maxQueued ?? 2 * this.#maxConnections, "maxQueued");
    this.#maxRetries = pool.maxRetries ?? 2;
    this.#retryDelay = pool.retryDelay ?? 1_000;
    this.#depth = positive(pool.pipelineDepth ?? 2, "pipelineDepth");
    this.#bucket = pool.rateLimit ? new TokenBucket(pool.rateLimit, this.#clock) : undefined;
    const user = options.signal;
    this.#signal = user ? AbortSignal.any([user, this.#abort.signal]) : this.#abort.signal;
    // Every session, rate-limit wait and retry wait of the pool listens to this one
    // signal; Node's default warning at 10 listeners would fire for any pool of 4+.
    setMaxListeners(this.#maxConnections * this.#depth * 8 + 32, this.#signal);
    if (user?.aborted) void this.close({ abort: true });
    else user?.addEventListener("abort", () => void this.close({ abort: true }), { once: true });
  }

  async send(message: Message): Promise<SendResult> {
    if (this.#closing) return this.#finish(failure("failed", new SenderClosedError(), 0));
    if (this.#broken) return this.#finish(failure(this.#broken.kind, this.#broken.error, 0));
    try {
      checkAddresses(message.from, message.to);
      checkOptions(message);
    } catch (error) {
      return this.#finish(failure("failed", error as Error, 0));
    }
    return new Promise<SendResult>((resolve) => {
      const job: Job = {
        message,
        body: new ReplayableBody(message.body),
        attempts: 0,
        resolve,
        settled: false,
      };
      // Backpressure: beyond maxQueued, the job waits outside the pool and no
      // work (not even reading a stream body) starts for it.
      if (this.#queue.length >= this.#maxQueued || this.#blocked.length > 0)
        this.#blocked.push(job);
      else this.#queue.push(job);
      this.#dispatch();
    });
  }

  ready(): Promise<void> {
    if (this.#hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  close(options: { abort?: boolean } = {}): Promise<void> {
    if (options.abort && !this.#aborted && this.#closed) this.#abortNow();
    this.#closed ??= this.#close(options.abort === true);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  stats(): SenderStats {
    return {
      connections: this.#slots.size,
      lanes: this.#lanes.size,
      idle: this.#idle.length,
      queued: this.#queue.length,
      blocked: this.#blocked.length,
      waitingForToken: this.#bucket?.waiting ?? 0,
      tokensTaken: this.#bucket?.taken ?? 0,
      ...this.#stats,
    };
  }

  async #close(abort: boolean): Promise<void> {
    this.#closing = true;
    if (abort) this.#abortNow();
    // Idle connections have nothing left to do: let them QUIT.
    for (const lane of this.#idle.splice(0)) this.#wake(lane, undefined);
    if (this.#lanes.size > 0) {
      await new Promise<void>((resolve) => {
        this.#onLanesDone = resolve;
      });
    }
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  #abortNow(): void {
    this.#closing = true;
    this.#aborted = true;
    const error = new SendAbortedError();
    for (const job of [...this.#queue.splice(0), ...this.#blocked.splice(0)]) {
      this.#settle(job, failure("failed", error, job.attempts));
    }
    this.#bucket?.cancel(error);
    // Ends every session in flight: @smtp/client destroys the sockets.
    this.#abort.abort(error);
    for (const lane of this.#idle.splice(0)) this.#wake(lane, undefined);
  }

  /** Fails every waiting message with a session-setup error (see #broken). */
  #breakWith(error: Error, kind: "refused" | "failed"): void {
    this.#broken ??= { error, kind };
    for (const job of [...this.#queue.splice(0), ...this.#blocked.splice(0)]) {
      this.#settle(job, failure(kind, error, job.attempts));
    }
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  #hasRoom(): boolean {
    return this.#queue.length < this.#maxQueued && this.#blocked.length === 0;
  }

  /** Moves blocked jobs into the queue as room appears, then hands queued jobs
   *  to idle lanes first, then opens connections up to maxConnections, then adds
   *  lanes to busy connections up to pipelineDepth. */
  #dispatch(): void {
    while (this.#blocked.length > 0 && this.#queue.length < this.#maxQueued) {
      this.#queue.push(this.#blocked.shift() as Job);
    }
    while (this.#queue.length > 0) {
      // Most recently used first, so surplus lanes reach their idle timeout.
      const idle = this.#idle.pop();
      if (idle) {
        this.#wake(idle, this.#queue.shift());
        continue;
      }
      let slot: PooledConnection | undefined;
      if (this.#slots.size < this.#maxConnections) {
        slot = new PooledConnection();
        this.#slots.add(slot);
      } else {
        for (const s of this.#slots)
          if (s.lanes < this.#depth && (!slot || s.lanes < slot.lanes)) slot = s;
      }
      if (!slot) break;
      this.#spawn(slot, this.#queue.shift() as Job);
    }
    if (this.#hasRoom()) for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  #take(): Job | undefined {
    if (this.#broken) return undefined;
    const job = this.#queue.shift();
    if (job) this.#dispatch();
    return job;
  }

  #spawn(slot: PooledConnection, first: Job): void {
    const lane: Lane = { slot, wake: undefined, idleTimer: undefined };
    slot.lanes++;
    this.#lanes.add(lane);
    void this.#work(lane, first);
  }

  async #work(lane: Lane, first: Job): Promise<void> {
    const slot = lane.slot;
    let job: Job | undefined = first;
    let wokeFromIdle = false;
    while (job) {
      slot.busy++;
      // NOOP only when the connection really sat idle, not when a sibling lane
      // is using it right now.
      try {
        await this.#deliver(job, slot, wokeFromIdle && slot.busy === 1);
      } catch (error) {
        // #deliver handles every failure itself; this is a safety net so a bug
        // can never leave a send() pending forever.
        const live = slot.live;
        if (live) slot.discard(live);
        this.#settle(job, failure("failed", error as Error, job.attempts));
      }
      slot.busy--;
      wokeFromIdle = false;
      job = this.#take();
      if (job || this.#closing || !slot.live) continue;
      job = await this.#park(lane);
      wokeFromIdle = true;
    }
    slot.lanes--;
    if (slot.lanes === 0) {
      this.#slots.delete(slot);
      await slot.retire();
    }
    this.#lanes.delete(lane);
    if (this.#lanes.size === 0) this.#onLanesDone?.();
    // A job may have arrived while this lane was leaving and every other was busy.
    if (!this.#aborted) this.#dispatch();
  }

  /** Waits for a job; undefined after idleTimeout or when the sender closes. */
  #park(lane: Lane): Promise<Job | undefined> {
    return new Promise((resolve) => {
      lane.wake = resolve;
      lane.idleTimer = this.#clock.setTimeout(() => {
        const i = this.#idle.indexOf(lane);
        if (i >= 0) this.#idle.splice(i, 1);
        this.#wake(lane, undefined);
      }, this.#idleTimeout);
      this.#idle.push(lane);
    });
  }

  #wake(lane: Lane, job: Job | undefined): void {
    if (lane.idleTimer !== undefined) this.#clock.clearTimeout(lane.idleTimer);
    lane.idleTimer = undefined;
    const wake = lane.wake;
    lane.wake = undefined;
    wake?.(job);
  }

  #open = async (): Promise<Client> => {
    const client = await openSession(
      this.#options.addr,
      this.#options.auth,
      this.#sessionOptions(),
    );
    this.#stats.connectionsOpened++;
    return client;
  };

  /** All attempts for one message; resolves the job exactly once. */
  async #deliver(job: Job, slot: PooledConnection, healthCheck: boolean): Promise<void> {
    const { message } = job;
    const envelope = envelopeOf(message.from, message.to, {
      ...pick(this.#options),
      ...pick(message),
    });
    // Tries count every round (a failed connect too); attempts count transactions.
    for (let tries = 1; ; tries++) {
      let stage: "open" | "transaction" = "open";
      let client: Client | undefined;
      let last = false;
      try {
        if (this.#aborted) throw new SendAbortedError();
        if (healthCheck) await slot.healthCheck();
        healthCheck = false;
        ({ client, last } = await slot.acquire(this.#open, this.#maxPerConnection));
        if (this.#bucket) await this.#bucket.take(this.#signal);
        stage = "transaction";
        job.attempts++;
        const result = await client.send(envelope, job.body.forAttempt());
        this.#settle(job, {
          outcome: "sent",
          accepted: result.accepted,
          rejected: result.rejected,
          recipients: result.recipients,
          reply: result.reply,
          attempts: job.attempts,
          error: undefined,
        });
        // The connection's last allowed transaction: QUIT after it.
        if (last) await quitQuietly(client);
        return;
      } catch (error) {
        if (client) await this.#afterFailure(slot, client, last, error, stage);
        const kind = this.#aborted ? abortedKind(error, stage) : classifyFailure(error, stage);
        if (stage === "open" && (kind === "refused" || kind === "failed") && !this.#aborted) {
          this.#breakWith(error as Error, kind);
        }
        const canRetry =
          kind === "retry" && tries <= this.#maxRetries && job.body.replayable && !this.#aborted;
        if (canRetry) {
          this.#stats.retries++;
          await this.#sleep(this.#retryDelay * tries);
          continue;
        }
        this.#settle(
          job,
          failure(kind === "retry" ? "failed" : kind, error as Error, job.attempts),
        );
        return;
      }
    }
  }

  /** After a failed attempt: keep a connection the server still talks on, drop
   *  any other. @smtp/client already sent RSET where the transaction needed one
   *  (and closed the connection where none is safe), so nothing more is sent. */
  async #afterFailure(
    slot: PooledConnection,
    client: Client,
    last: boolean,
    error: unknown,
    stage: "open" | "transaction",
  ): Promise<void> {
    const keep =
      stage === "transaction" &&
      error instanceof SmtpReplyError &&
      !this.#aborted &&
      !client.closed;
    if (!keep) slot.discard(client);
    else if (last) await quitQuietly(client);
  }

  #sessionOptions(): SessionOptions {
    const o = this.#options;
    return {
      signal: this.#signal,
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.tlsOptions ? { tlsOptions: o.tlsOptions } : {}),
      ...(o.timeouts ? { timeouts: o.timeouts } : {}),
      ...(o.localName !== undefined ? { localName: o.localName } : {}),
      ...(o.bareCr !== undefined ? { bareCr: o.bareCr } : {}),
      ...(o.onLine ? { onLine: o.onLine } : {}),
      ...(o.maxLineLength !== undefined ? { maxLineLength: o.maxLineLength } : {}),
    };
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(done, ms);
      const clock = this.#clock;
      const signal = this.#signal;
      function done() {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }
      function onAbort() {
        clock.clearTimeout(timer);
        done();
      }
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Resolves a job's send() exactly once. */
  #settle(job: Job, result: SendResult): void {
    if (job.settled) return;
    job.settled = true;
    job.resolve(this.#finish(result));
  }

  #finish(result: SendResult): SendResult {
    this.#stats[result.outcome]++;
    return result;
  }
}

function failure(outcome: SendOutcome, error: Error, attempts: number): SendResult {
  const recipients = error instanceof RecipientsRefusedError ? [...error.recipients] : [];
  const reply =
    error instanceof SmtpReplyError
      ? { code: error.replyCode, enhancedCode: error.enhancedCode, message: error.message }
      : undefined;
  return {
    outcome,
    // With "abort" nothing was delivered, so nobody counts as accepted.
    accepted: [],
    rejected: recipients.filter((r) => !r.ok),
    recipients,
    reply:
      error instanceof RecipientsRefusedError
        ? (recipients.find((r) => !r.ok)?.reply ?? reply)
        : reply,
    attempts,
    error,
  };
}

/** When the sender was aborted: no retry; "unknown" still wins after the dot. */
function abortedKind(
  error: unknown,
  stage: "open" | "transaction",
): "failed" | "unknown" | "refused" {
  const kind = classifyFailure(error, stage);
  if (kind === "unknown" || kind === "refused") return kind;
  const phase = (error as { phase?: unknown } | null)?.phase;
  return stage === "transaction" && phase === "final-reply" ? "unknown" : "failed";
}

function pick(o: TransactionOptions): TransactionOptions {
  return {
    ...(o.mailOptions ? { mailOptions: o.mailOptions } : {}),
    ...(o.rcptOptions ? { rcptOptions: o.rcptOptions } : {}),
    ...(o.onRecipientRefused ? { onRecipientRefused: o.onRecipientRefused } : {}),
    ...(o.chunking !== undefined ? { chunking: o.chunking } : {}),
  };
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`pool.${name} must be a positive integer`);
  return value;
}
