// Pipeline: replies are matched to requests by order (RFC 2920 §3.1: the server
// answers pipelined commands in the order they were sent). Unlike Go's
// Pipeline there are no ids: a read is queued behind every earlier read.

export class Pipeline {
  /** Settles after every queued read has settled; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Reads queued through next() that have not settled yet. */
  #pending = 0;
  readonly #settled = (): void => {
    this.#pending--;
  };

  /** True when every read queued through next() has settled. */
  get idle(): boolean {
    return this.#pending === 0;
  }

  /**
   * Runs `read` once every earlier queued read has settled (fulfilled or
   * rejected: one failed reply does not shift the replies after it) and returns
   * its result.
   */
  next<T>(read: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(read);
    this.#tail = result.then(this.#settled, this.#settled);
    return result;
  }
}
