// Writer tests; "Go" cases are ports of golang/go src/net/textproto/writer_test.go.

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConnectionClosedError, InvalidLineError } from "./errors.js";
import { rejection } from "./test-util.js";
import { Writer } from "./writer.js";

/** A sink that records every write call; `highWaterMark` 1 makes every write report backpressure. */
function recordingSink(options: { highWaterMark?: number; slow?: boolean } = {}) {
  const writes: string[] = [];
  let release: (() => void) | null = null;
  const sink = new Writable({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      writes.push(chunk.toString("latin1"));
      if (options.slow === true) release = callback;
      else callback();
    },
  });
  return {
    sink,
    writes,
    release: () => {
      const done = release;
      release = null;
      done?.();
    },
  };
}

const text = (writes: string[]) => writes.join("");

describe("writeLine and flush", () => {
  it("Go TestPrintfLine: text + CRLF", async () => {
    const { sink, writes } = recordingSink();
    const w = new Writer(sink);
    w.writeLine("foo 123");
    await w.flush();
    expect(writes).toEqual(["foo 123\r\n"]);
  });

  it("a batch of lines goes out in ONE write", async () => {
    const { sink, writes } = recordingSink();
    const w = new Writer(sink);
    w.writeLine("MAIL FROM:<a@example.org>");
    w.writeLine("RCPT TO:<b@example.org>");
    w.writeBytes(Buffer.from("raw"));
    w.writeLine("DATA");
    await w.flush();
    expect(writes).toEqual(["MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nrawDATA\r\n"]);
    await w.flush(); // an empty batch writes nothing
    expect(writes).toHaveLength(1);
  });

  for (const bad of ["a\rb", "a\nb", "RCPT TO:<x>\r\nDATA", "\r", "\n"]) {
    it(`refuses ${JSON.stringify(bad)} and writes nothing`, async () => {
      const { sink, writes } = recordingSink();
      const w = new Writer(sink);
      w.writeLine("before");
      expect(() => w.writeLine(bad)).toThrow(InvalidLineError);
      try {
        w.writeLine(bad);
      } catch (error) {
        expect(error).toMatchObject({
          code: "ERR_INVALID_LINE",
          message: "a line must not contain CR or LF",
        });
      }
      await w.flush();
      expect(writes).toEqual(["before\r\n"]);
    });
  }

  it("flush waits for 'drain' under backpressure", async () => {
    const { sink, writes, release } = recordingSink({ highWaterMark: 1, slow: true });
    const w = new Writer(sink);
    w.writeLine("one");
    let flushed = false;
    const flushing = w.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(["one\r\n"]);
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(flushed).toBe(true);
  });

  it("a flush waiting for 'drain' rejects when the sink dies", async () => {
    const { sink } = recordingSink({ highWaterMark: 1, slow: true });
    const w = new Writer(sink);
    w.writeLine("one");
    const flushing = w.flush();
    sink.destroy();
    expect(await rejection(flushing)).toBeInstanceOf(ConnectionClosedError);
  });

  it("rebind writes to the new sink", async () => {
    const a = recordingSink();
    const b = recordingSink();
    const w = new Writer(a.sink);
    w.writeLine("STARTTLS");
    await w.flush();
    w.rebind(b.sink);
    w.writeLine("EHLO x");
    await w.flush();
    expect(a.writes).toEqual(["STARTTLS\r\n"]);
    expect(b.writes).toEqual(["EHLO x\r\n"]);
  });
});

describe("dotWriter", () => {
  it("Go TestDotWriter", async () => {
    const { sink, writes } = recordingSink();
    const d = new Writer(sink).dotWriter();
    await d.write(Buffer.from("abc\n.def\n..ghi\n.jkl\n."));
    await d.close();
    expect(text(writes)).toBe("abc\r\n..def\r\n...ghi\r\n..jkl\r\n..\r\n.\r\n");
  });

  it("Go TestDotWriterCloseEmptyWrite", async () => {
    const { sink, writes } = recordingSink();
    const d = new Writer(sink).dotWriter();
    await d.write(new Uint8Array(0));
    await d.close();
    expect(text(writes)).toBe("\r\n.\r\n");
  });

  it("Go TestDotWriterCloseNoWrite", async () => {
    const { sink, writes } = recordingSink();
    await new Writer(sink).dotWriter().close();
    expect(text(writes)).toBe("\r\n.\r\n");
  });

  it("terminators: at a line start, mid-line, after a bare CR", async () => {
    for (const [body, want] of [
      ["a\r\n", "a\r\n.\r\n"],
      ["a", "a\r\n.\r\n"],
      ["a\r", "a\r\n.\r\n"],
    ] as const) {
      const { sink, writes } = recordingSink();
      const d = new Writer(sink).dotWriter();
      await d.write(body);
      await d.close();
      expect(text(writes)).toBe(want);
    }
  });

  it("{flush:false} leaves the terminator in the batch to share a write with the next command", async () => {
    const { sink, writes } = recordingSink();
    const w = new Writer(sink);
    const d = w.dotWriter({ flush: false });
    await d.write("body\r\n");
    await d.close();
    expect(writes).toEqual(["body\r\n"]);
    w.writeLine("QUIT");
    await w.flush();
    expect(writes).toEqual(["body\r\n", ".\r\nQUIT\r\n"]);
  });

  it("write honours backpressure: it resolves only after 'drain'", async () => {
    const { sink, writes, release } = recordingSink({ highWaterMark: 1, slow: true });
    const d = new Writer(sink).dotWriter();
    let written = false;
    const writing = d.write("line\n").then(() => {
      written = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe(false);
    release();
    await writing;
    expect(writes).toEqual(["line\r\n"]);
  });

  it('{ bareCr: "crlf" } writes a bare CR as CRLF, so "<CR>.<CRLF>" cannot end the body early', async () => {
    const { sink, writes } = recordingSink();
    const d = new Writer(sink).dotWriter({ bareCr: "crlf" });
    await d.write("a\r.\r\nRSET\r");
    await d.write(".x");
    await d.close();
    expect(text(writes)).toBe("a\r\n..\r\nRSET\r\n..x\r\n.\r\n");
  });

  it("passes a bare CR on by default (DESIGN §2)", async () => {
    const { sink, writes } = recordingSink();
    const d = new Writer(sink).dotWriter();
    await d.write("a\r.\r\n");
    await d.close();
    expect(text(writes)).toBe("a\r.\r\n.\r\n");
  });

  it("a body split at every offset encodes the same", async () => {
    const body = ".a\n..b\r\nc\r.d\n.";
    const whole = recordingSink();
    const d0 = new Writer(whole.sink).dotWriter();
    await d0.write(body);
    await d0.close();
    for (let i = 0; i <= body.length; i++) {
      const split = recordingSink();
      const d = new Writer(split.sink).dotWriter();
      await d.write(body.slice(0, i));
      await d.write(body.slice(i));
      await d.close();
      expect(text(split.writes)).toBe(text(whole.writes));
    }
  });
});
