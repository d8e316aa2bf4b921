// Pipeline: replies are matched to requests by order (RFC 2920 §3.1: the server
// answers pipelined commands in the order they were sent). Unlike Go's
// Pipeline there are no ids: a read is queued behind every earlier read.

export class Pipeline {
  /** Settles after every queued read has settled; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `read` once every earlier queued read has settled (fulfilled or
   * rejected: one failed reply does not shift the replies after it) and returns
   * its result.
   */
  next<T>(read: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(read);
    this.#tail = result.then(ignore, ignore);
    return result;
  }
}

function ignore(): void {}
