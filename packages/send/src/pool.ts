import type { Client } from "@smtp/client";
import { closeQuietly, quitQuietly } from "./session.js";

/**
 * One connection slot of the pool. Several lanes (transactions in flight, see
 * `pipelineDepth`) share it; a slot outlives its clients: when the server closes
 * the connection, or after `maxMessagesPerConnection` transactions, the next
 * lane that needs it opens a fresh client (transparent reconnect). Opening and
 * the NOOP health check are shared, so two lanes never open two connections.
 */
export class PooledConnection {
  #client: Client | undefined;
  #opening: Promise<Client> | undefined;
  #checking: Promise<void> | undefined;
  /** Transactions reserved on the current client. */
  #started = 0;
  /** Lanes attached to this slot, and how many are delivering right now. */
  lanes = 0;
  busy = 0;

  /** A usable client, or undefined when a new one must be opened. */
  get live(): Client | undefined {
    return this.#client && !this.#client.closed ? this.#client : undefined;
  }

  /**
   * A live client with one transaction reserved on it; opens one if needed
   * (one `open` shared by every lane that asks meanwhile). `last` is true when
   * this reservation reached `maxTransactions`: the client is then detached so
   * no other lane starts on it, and the caller QUITs it after its transaction.
   */
  async acquire(
    open: () => Promise<Client>,
    maxTransactions: number,
  ): Promise<{ client: Client; last: boolean }> {
    for (;;) {
      const live = this.live;
      if (live) {
        this.#started++;
        if (this.#started < maxTransactions) return { client: live, last: false };
        this.#client = undefined;
        return { client: live, last: true };
      }
      if (!this.#opening) {
        this.#client = undefined;
        this.#opening = open()
          .then((client) => {
            this.#client = client;
            this.#started = 0;
            return client;
          })
          .finally(() => {
            this.#opening = undefined;
          });
      }
      // Another lane may take the new client's last reservation first: loop.
      await this.#opening;
    }
  }

  /**
   * The health check before reusing a connection that sat idle: NOOP (RFC 5321
   * §4.1.1.9). A server may have dropped it meanwhile (its own idle timeout;
   * RFC 5321 §4.5.3.2.7 allows 5 minutes); then the slot forgets the client and
   * the next acquire() opens a new one. Never throws.
   */
  healthCheck(): Promise<void> {
    if (this.#checking) return this.#checking;
    const client = this.live;
    if (!client) return Promise.resolve();
    this.#checking = client
      .noop()
      .catch(() => this.discard(client))
      .finally(() => {
        this.#checking = undefined;
      });
    return this.#checking;
  }

  /** Drops `client` without QUIT (its state is unknown); a newer client is kept. */
  discard(client: Client): void {
    if (this.#client === client) this.#client = undefined;
    if (!client.closed) void closeQuietly(client);
  }

  /** Ends the current client politely (QUIT); used when the slot closes. */
  async retire(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client && !client.closed) await quitQuietly(client);
  }
}
