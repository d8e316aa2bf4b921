import type { MessageBody } from "@smtp/client";

/**
 * A message body the pool may have to send more than once (a retry after a
 * connection loss or a 4xx). Strings and byte arrays can be sent again as they
 * are. A stream can be read only once, so it is wrapped: the first attempt reads
 * it through a tap that notes whether any chunk was taken. A retry is allowed
 * only while nobody started reading it (e.g. RCPT was refused with 451 before DATA);
 * otherwise the bytes are gone and the message fails instead of being sent
 * truncated.
 */
export class ReplayableBody {
  readonly #body: MessageBody;
  #started = false;

  constructor(body: MessageBody) {
    this.#body = body;
  }

  /** True when the body can be handed to another attempt. */
  get replayable(): boolean {
    return typeof this.#body === "string" || this.#body instanceof Uint8Array || !this.#started;
  }

  /** The body to give to one attempt. */
  forAttempt(): MessageBody {
    const body = this.#body;
    if (typeof body === "string" || body instanceof Uint8Array) return body;
    const source = toAsyncIterable(body);
    // A closure, not a method on this class, so one attempt's reads are visible
    // to the next attempt's `replayable` check.
    const mark = () => {
      this.#started = true;
    };
    return {
      async *[Symbol.asyncIterator]() {
        // Marked when reading begins, not at the first chunk: leaving a
        // for-await early destroys a Node Readable even if it gave nothing.
        mark();
        yield* source;
      },
    };
  }
}

function toAsyncIterable(
  body: Exclude<MessageBody, string | Uint8Array>,
): AsyncIterable<Uint8Array | string> {
  if (Symbol.asyncIterator in body) return body as AsyncIterable<Uint8Array | string>;
  // A web ReadableStream is async-iterable in Node 20, but the DOM typings do not
  // always say so; read it by hand to be independent of the lib settings.
  const stream = body as ReadableStream<Uint8Array>;
  return {
    async *[Symbol.asyncIterator]() {
      const reader = stream.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}
