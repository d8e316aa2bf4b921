import type { Client } from "@smtp/client";
import { closeQuietly, quitQuietly } from "./session.js";

/**
 * One connection slot of the pool: the current client (if any) and how many
 * messages it has carried. A slot outlives its clients: when the server closes
 * the connection, or after `maxMessagesPerConnection` messages, the slot gets a
 * fresh client on its next message (transparent reconnect).
 */
export class PooledConnection {
  client: Client | undefined;
  /** Messages sent on the current client. */
  messages = 0;

  /** A usable client, or undefined when a new one must be opened. */
  get live(): Client | undefined {
    return this.client && !this.client.closed ? this.client : undefined;
  }

  use(client: Client): void {
    this.client = client;
    this.messages = 0;
  }

  /**
   * The health check before reusing a connection that sat idle: NOOP (RFC 5321
   * §4.1.1.9). A server may have dropped it meanwhile (its own idle timeout,
   * RFC 5321 §4.5.3.2.7 allows 5 minutes); then the slot forgets the client and
   * the caller opens a new one. Never throws.
   */
  async healthCheck(): Promise<void> {
    const client = this.live;
    if (!client) {
      this.discard();
      return;
    }
    try {
      await client.noop();
    } catch {
      this.discard();
    }
  }

  /** Ends the current client politely (QUIT). */
  async retire(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client && !client.closed) await quitQuietly(client);
  }

  /** Drops the current client without QUIT (its state is unknown). */
  discard(): void {
    const client = this.client;
    this.client = undefined;
    if (client && !client.closed) void closeQuietly(client);
  }
}
