import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ReplayableBody } from "./body.js";

async function drain(body: unknown): Promise<string> {
  let text = "";
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
  }
  return text;
}

describe("ReplayableBody", () => {
  it("strings and bytes can be sent any number of times", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    for (const value of ["text", bytes]) {
      const body = new ReplayableBody(value);
      expect(body.forAttempt()).toBe(value);
      expect(body.forAttempt()).toBe(value);
      expect(body.replayable).toBe(true);
    }
  });

  it("a stream is replayable until someone starts reading it", async () => {
    const body = new ReplayableBody(Readable.from([Buffer.from("a"), Buffer.from("b")]));
    const first = body.forAttempt();
    expect(body.replayable).toBe(true); // handed out but never read (e.g. RCPT refused)
    expect(await drain(first)).toBe("ab");
    expect(body.replayable).toBe(false);
  });

  it("reads a web ReadableStream", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("web"));
        c.close();
      },
    });
    expect(await drain(new ReplayableBody(stream).forAttempt())).toBe("web");
  });
});
