// Reader tests. The cases marked "Go" are ports of golang/go
// src/net/textproto/reader_test.go, byte for byte.

import { describe, expect, it } from "vitest";
import {
  ConnectionClosedError,
  LineTooLongError,
  ProtocolError,
  ReplyError,
  ReplyTooLongError,
  TextprotoError,
} from "./errors.js";
import { Reader } from "./reader.js";
import { bytes, readerOf, rejection, streamReader } from "./test-util.js";

describe("readLine", () => {
  it("Go TestReadLine: LF-ended lines, then EOF", async () => {
    const r = readerOf("line1\nline2\n");
    expect(await r.readLine()).toBe("line1");
    expect(await r.readLine()).toBe("line2");
    expect(await rejection(r.readLine())).toBeInstanceOf(ConnectionClosedError);
  });

  it("strips CRLF, keeps a CR that is not before the LF, decodes UTF-8", async () => {
    const r = readerOf("a\r\nb\rc\r\n\r\nh\u00c3\u00a9\n");
    expect(await r.readLine()).toBe("a");
    expect(await r.readLine()).toBe("b\rc");
    expect(await r.readLine()).toBe("");
    expect(await r.readLine()).toBe("hé");
  });

  it("readLineBytes returns a copy of the raw bytes", async () => {
    const r = readerOf(["ab\xff\r", "\nnext\n"]);
    const line = await r.readLineBytes();
    expect(Buffer.from(line)).toEqual(bytes("ab\xff"));
    expect(await r.readLine()).toBe("next");
  });

  it("a line cut by EOF is an unexpected EOF, not a short line", async () => {
    const r = readerOf("whole\npartial");
    expect(await r.readLine()).toBe("whole");
    const error = await rejection(r.readLine());
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe("unexpected EOF");
    expect((error as ConnectionClosedError).code).toBe("ERR_CONNECTION_CLOSED");
  });
});

describe("readContinuedLine", () => {
  it("Go TestReadContinuedLine", async () => {
    const r = readerOf("line1\nline\n 2\nline3\n");
    expect(await r.readContinuedLine()).toBe("line1");
    expect(await r.readContinuedLine()).toBe("line 2");
    expect(await r.readContinuedLine()).toBe("line3");
    expect(await rejection(r.readContinuedLine())).toBeInstanceOf(ConnectionClosedError);
  });

  it("trims each piece and joins with one space; a blank line is not continued", async () => {
    const r = readerOf(["  a  \r\n \t b \r", "\n\t\tc\r\n\r\n d\r\n"]);
    expect(await r.readContinuedLine()).toBe("a b c");
    expect(await r.readContinuedLine()).toBe("");
    expect(await r.readContinuedLine()).toBe("d");
  });
});

describe("readCodeLine", () => {
  it("Go TestReadCodeLine", async () => {
    const r = readerOf("123 hi\n234 bye\n345 no way\n");
    expect(await r.readCodeLine(0)).toEqual({ code: 123, message: "hi" });
    expect(await r.readCodeLine(23)).toEqual({ code: 234, message: "bye" });
    const error = await rejection(r.readCodeLine(346));
    expect(error).toBeInstanceOf(ReplyError);
    expect(error).toMatchObject({ replyCode: 345, text: "no way", message: "345 no way" });
    expect(await rejection(r.readCodeLine(1))).toBeInstanceOf(ConnectionClosedError);
  });

  it("a NNN- line is an unexpected multi-line response", async () => {
    const r = readerOf("250-first\r\n250 last\r\n");
    const error = await rejection(r.readCodeLine(250));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toBe("unexpected multi-line response: first");
    expect(await r.readCodeLine(250)).toEqual({ code: 250, message: "last" });
  });

  it("short and invalid lines are ProtocolErrors with Go's texts", async () => {
    const r = readerOf("25\r\n250x\r\n099 no\r\nabc def\r\n+12 x\r\n");
    for (const want of [
      "short response: 25",
      "short response: 250x",
      "invalid response code: 099 no",
      "invalid response code: abc def",
      "invalid response code: +12 x",
    ]) {
      const error = await rejection(r.readCodeLine(0));
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe("ERR_PROTOCOL");
      expect((error as Error).message).toBe(want);
    }
  });
});

describe("readResponse", () => {
  // Go readResponseTests (TestRFC959Lines), each followed by "\nFOLLOWING DATA".
  const goCases: [string, number, number, string][] = [
    [
      "230-Anonymous access granted, restrictions apply\nRead the file README.txt,\n230  please",
      23,
      230,
      "Anonymous access granted, restrictions apply\nRead the file README.txt,\n please",
    ],
    [
      "230 Anonymous access granted, restrictions apply\n",
      23,
      230,
      "Anonymous access granted, restrictions apply",
    ],
    ["400-A\n400-B\n400 C", 4, 400, "A\nB\nC"],
    ["400-A\r\n400-B\r\n400 C\r\n", 4, 400, "A\nB\nC"],
  ];
  for (const [input, expectCode, code, message] of goCases) {
    it(`Go TestRFC959Lines ${JSON.stringify(input.slice(0, 12))}`, async () => {
      const r = readerOf(`${input}\nFOLLOWING DATA\n`);
      expect(await r.readResponse(expectCode)).toEqual({ code, message });
    });
  }

  it("Go TestReadMultiLineError: the error carries every line", async () => {
    const r = readerOf(
      "550-5.1.1 The email account that you tried to reach does not exist. Please try\n" +
        "550-5.1.1 double-checking the recipient's email address for typos or\n" +
        "550-5.1.1 unnecessary spaces. Learn more at\n" +
        "Unexpected but legal text!\n" +
        "550 5.1.1 https://support.google.com/mail/answer/6596 h20si25154304pfd.166 - gsmtp\n" +
        "250 next\n",
    );
    const want =
      "5.1.1 The email account that you tried to reach does not exist. Please try\n" +
      "5.1.1 double-checking the recipient's email address for typos or\n" +
      "5.1.1 unnecessary spaces. Learn more at\n" +
      "Unexpected but legal text!\n" +
      "5.1.1 https://support.google.com/mail/answer/6596 h20si25154304pfd.166 - gsmtp";
    const error = (await rejection(r.readResponse(250))) as ReplyError;
    expect(error).toBeInstanceOf(ReplyError);
    expect(error.code).toBe("ERR_REPLY");
    expect(error.replyCode).toBe(550);
    expect(error.text).toBe(want);
    expect(error.message).toBe(`550 ${want}`);
    // The whole reply was consumed: the next one reads cleanly.
    expect(await r.readResponse(2)).toEqual({ code: 250, message: "next" });
  });

  it("a line with another code inside a reply is free text", async () => {
    const r = readerOf("250-a\r\n251 b\r\n250-c\r\n250 d\r\n");
    expect(await r.readResponse(25)).toEqual({ code: 250, message: "a\n251 b\nc\nd" });
  });

  it("expect: 0 any, 1 digit class, 2 digits prefix, 3 digits exact", async () => {
    const r = readerOf("354 go\r\n".repeat(4));
    expect((await r.readResponse(0)).code).toBe(354);
    expect((await r.readResponse(3)).code).toBe(354);
    expect((await r.readResponse(35)).code).toBe(354);
    expect((await r.readResponse(354)).code).toBe(354);
    for (const wrong of [2, 25, 250]) {
      const again = readerOf("354 go\r\n");
      expect(await rejection(again.readResponse(wrong))).toBeInstanceOf(ReplyError);
    }
  });

  it("a malformed first line is a ProtocolError", async () => {
    expect(((await rejection(readerOf("hi\r\n").readResponse(0))) as Error).message).toBe(
      "short response: hi",
    );
    expect(((await rejection(readerOf("1000 x\r\n").readResponse(0))) as Error).message).toBe(
      "short response: 1000 x",
    );
    expect(((await rejection(readerOf("000 x\r\n").readResponse(0))) as Error).message).toBe(
      "invalid response code: 000 x",
    );
  });

  it("EOF inside a multi-line reply rejects with unexpected EOF; nothing half-returned", async () => {
    const r = readerOf("250-a\r\n250-b\r\n");
    const error = await rejection(r.readResponse(250));
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe("unexpected EOF");
  });

  it("a reply that never ends, then the peer closes: typed error, no hang", async () => {
    const { reader, input } = streamReader();
    const pending = reader.readResponse(250);
    for (let i = 0; i < 100; i++) input.write(`250-line ${i}\r\n`);
    input.end();
    expect(await rejection(pending)).toBeInstanceOf(ConnectionClosedError);
  });

  it("after an over-long line, a pull-based source in 1-byte chunks reads on to the next line", async () => {
    const r = readerOf([..."aaaaaaaaaa\r\n250 ok\r\n"], { maxLineLength: 6 });
    expect(await rejection(r.readLine())).toBeInstanceOf(LineTooLongError);
    expect(await r.readResponse(250)).toEqual({ code: 250, message: "ok" });
  });

  it("a reply that streams continuation lines forever stops at maxReplyLines", async () => {
    const { reader, input } = streamReader({ maxReplyLines: 50 });
    const pending = reader.readResponse(250);
    for (let i = 0; i < 49; i++) input.write(`250-line ${i}\r\n`);
    input.write("250-line 49\r\n250-line 50\r\n");
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(ReplyTooLongError);
    expect(error).toMatchObject({ code: "ERR_REPLY_TOO_LONG", limit: 50 });
    input.destroy();
  });

  it("a reply of exactly maxReplyLines lines is accepted", async () => {
    const r = readerOf(`${"250-x\r\n".repeat(3)}250 end\r\n`, { maxReplyLines: 4 });
    expect(await r.readResponse(250)).toEqual({ code: 250, message: "x\nx\nx\nend" });
  });

  it("replies queued before the data arrives are all parsed from one chunk", async () => {
    const { reader, input } = streamReader();
    const replies = [reader.readResponse(2), reader.readResponse(5), reader.readResponse(3)];
    input.write("250 a\r\n550-x\r\n550 y\r\n354 z\r\n");
    const [a, b, c] = await Promise.allSettled(replies);
    expect(a).toEqual({ status: "fulfilled", value: { code: 250, message: "a" } });
    expect(b).toEqual({ status: "fulfilled", value: { code: 550, message: "x\ny" } });
    expect(c).toEqual({ status: "fulfilled", value: { code: 354, message: "z" } });
    expect(reader.buffered).toBe(0);
  });
});

describe("split at every byte offset", () => {
  const wire =
    "220-mx.example ESMTP\r\n220 ready\r\n250-mx\r\nfree text\n250-SIZE 100\r\n250 OK\r\n" +
    "x-a: 1\r\n  2\r\nb: 3\r\n\r\nbody\r\n..dot\r\n.\r\n550 5.1.1 no\r\n";
  async function readAll(r: Reader) {
    return [
      await r.readResponse(220),
      await r.readResponse(250),
      await r.readMimeHeader(),
      Buffer.from(await r.readDotBytes()).toString("latin1"),
      await rejection(r.readResponse(2)).then((e) => (e as ReplyError).message),
    ];
  }
  it("gives the same results for every split into two and three chunks", async () => {
    const whole = await readAll(readerOf(wire));
    expect(whole[0]).toEqual({ code: 220, message: "mx.example ESMTP\nready" });
    expect(whole[1]).toEqual({ code: 250, message: "mx\nfree text\nSIZE 100\nOK" });
    expect(whole[2]).toEqual(
      new Map([
        ["X-A", ["1 2"]],
        ["B", ["3"]],
      ]),
    );
    expect(whole[3]).toBe("body\r\n.dot\r\n");
    expect(whole[4]).toBe("550 5.1.1 no");
    for (let i = 0; i <= wire.length; i++) {
      expect(await readAll(readerOf([wire.slice(0, i), wire.slice(i)]))).toEqual(whole);
      const j = Math.floor((i + wire.length) / 2);
      expect(await readAll(readerOf([wire.slice(0, i), wire.slice(i, j), wire.slice(j)]))).toEqual(
        whole,
      );
    }
  });

  it("gives the same results one byte at a time", async () => {
    const whole = await readAll(readerOf(wire));
    expect(await readAll(readerOf([...wire]))).toEqual(whole);
  });
});

describe("readDotLines and readDotBytes", () => {
  it("Go TestReadDotLines", async () => {
    const r = readerOf("dotlines\r\n.foo\r\n..bar\n...baz\nquux\r\n\r\n.\r\nanother\n");
    expect(await r.readDotLines()).toEqual(["dotlines", "foo", ".bar", "..baz", "quux", ""]);
    // Go returns ["another"] with io.ErrUnexpectedEOF; we return nothing half-read.
    const error = await rejection(r.readDotLines());
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe("unexpected EOF");
  });

  it("Go TestReadDotBytes, keeping line endings as sent (Go turns CRLF into LF)", async () => {
    const r = readerOf("dotlines\r\n.foo\r\n..bar\n...baz\nquux\r\n\r\n.\r\nanot.her\r\n");
    const body = Buffer.from(await r.readDotBytes()).toString("latin1");
    expect(body).toBe("dotlines\r\nfoo\r\n.bar\n..baz\nquux\r\n\r\n");
    expect(await rejection(r.readDotBytes())).toBeInstanceOf(ConnectionClosedError);
  });

  it("an empty block, and the bytes after the dot line stay for the next read", async () => {
    const r = readerOf(".\r\n+OK next\r\n");
    expect(await r.readDotLines()).toEqual([]);
    expect(await r.readLine()).toBe("+OK next");
  });
});

describe("dotReader", () => {
  it("streams the decoded body and ends at the lone dot line", async () => {
    const { reader, input } = streamReader();
    const chunks: string[] = [];
    const done = (async () => {
      for await (const chunk of reader.dotReader()) chunks.push(Buffer.from(chunk).toString());
    })();
    input.write("first\r\n..se");
    input.write("cond\r\n.");
    input.write("\r\n250 after\r\n");
    await done;
    expect(chunks.join("")).toBe("first\r\n.second\r\n");
    expect(await reader.readResponse(250)).toEqual({ code: 250, message: "after" });
  });

  it("a read after an abandoned dotReader skips the rest of the block (Go's closeDot)", async () => {
    const r = readerOf(["a\r\n", "b\r\nc\r\n.\r\n", "+OK\r\n"]);
    const it = r.dotReader();
    const first = await it.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe("a\r\n");
    await it.return?.();
    expect(await r.readLine()).toBe("+OK");
  });

  it("memory is bounded by the chunk: each yielded chunk is at most what arrived", async () => {
    const { reader, input } = streamReader();
    const line = `${"x".repeat(1000)}\r\n`;
    const sizes: number[] = [];
    const done = (async () => {
      for await (const chunk of reader.dotReader()) sizes.push(chunk.length);
    })();
    for (let i = 0; i < 200; i++) {
      input.write(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    input.write(".\r\n");
    await done;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200 * line.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(line.length);
  });

  it("EOF before the dot line rejects the pending chunk", async () => {
    const it = readerOf("only\r\n").dotReader();
    expect((await it.next()).done).toBe(false);
    expect(await rejection(it.next())).toBeInstanceOf(ConnectionClosedError);
  });
});

describe("readMimeHeader", () => {
  it("Go TestReadMIMEHeader", async () => {
    const r = readerOf(
      "my-key: Value 1  \r\nLong-key: Even \n Longer Value\r\nmy-Key: Value 2\r\n\n",
    );
    expect(await r.readMimeHeader()).toEqual(
      new Map([
        ["My-Key", ["Value 1", "Value 2"]],
        ["Long-Key", ["Even Longer Value"]],
      ]),
    );
  });

  it("Go TestReadMIMEHeaderSingle", async () => {
    expect(await readerOf("Foo: bar\n\n").readMimeHeader()).toEqual(new Map([["Foo", ["bar"]]]));
  });

  it("Go TestLargeReadMIMEHeader (with a larger line limit)", async () => {
    const data = "x".repeat(16 * 1024);
    const r = readerOf(`Cookie: ${data}\r\n\n`, { maxLineLength: 32 * 1024 });
    expect((await r.readMimeHeader()).get("Cookie")).toEqual([data]);
  });

  it("Go TestReadMIMEHeaderNonCompliant: spaces before colons, spaces in keys", async () => {
    const r = readerOf(
      "Foo: bar\r\nContent-Language: en\r\nSID : 0\r\nAudio Mode : None\r\nPrivilege : 127\r\n\r\n",
    );
    expect(await r.readMimeHeader()).toEqual(
      new Map([
        ["Foo", ["bar"]],
        ["Content-Language", ["en"]],
        ["SID ", ["0"]],
        ["Audio Mode ", ["None"]],
        ["Privilege ", ["127"]],
      ]),
    );
  });

  it("Go TestReadMIMEHeaderTrimContinued", async () => {
    const r = readerOf("a:\n 0 \r\nb:1 \t\r\nc: 2\r\n 3\t\n  \t 4  \r\n\n");
    expect(await r.readMimeHeader()).toEqual(
      new Map([
        ["A", ["0"]],
        ["B", ["1"]],
        ["C", ["2 3 4"]],
      ]),
    );
  });

  // Go's malformed-header cases (reader.go: initial blank, missing colon, bad key or value).
  for (const input of [
    "No colon first line\r\nFoo: foo\r\n\r\n",
    " No colon first line with leading space\r\nFoo: foo\r\n\r\n",
    "\tNo colon first line with leading tab\r\nFoo: foo\r\n\r\n",
    " First: line with leading space\r\nFoo: foo\r\n\r\n",
    "\tFirst: line with leading tab\r\nFoo: foo\r\n\r\n",
    "Foo: foo\r\nNo colon second line\r\n\r\n",
    "Foo-\n\tBar: foo\r\n\r\n",
    "Foo-\r\n\tBar: foo\r\n\r\n",
    "Foo\r\n\t: foo\r\n\r\n",
    "Foo-\n\tBar: foo\r\n\r\n",
    ": empty key\r\n\r\n",
    "Foo\tBar: tab in key\r\n\r\n",
    "Foo: bad\x01value\r\n\r\n",
  ]) {
    it(`malformed ${JSON.stringify(input.slice(0, 20))} is a ProtocolError`, async () => {
      const error = await rejection(readerOf(input).readMimeHeader());
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as Error).message).toMatch(/^malformed MIME header/);
    });
  }

  it("EOF before the blank line is an error", async () => {
    expect(await rejection(readerOf("A: b\r\n").readMimeHeader())).toBeInstanceOf(
      ConnectionClosedError,
    );
  });
});

describe("bounds", () => {
  it("accepts a line of exactly maxLineLength, refuses one byte more", async () => {
    const r = readerOf(`${"a".repeat(10)}\r\n${"b".repeat(11)}\r\nok\r\n`, { maxLineLength: 10 });
    expect(await r.readLine()).toBe("a".repeat(10));
    const error = await rejection(r.readLine());
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toMatchObject({ code: "ERR_LINE_TOO_LONG", limit: 10 });
    expect(await r.readLine()).toBe("ok");
  });

  it("a CR at the end of the buffer may still be half of CRLF", async () => {
    const r = readerOf(["a".repeat(10), "\r", "\n"], { maxLineLength: 10 });
    expect(await r.readLine()).toBe("a".repeat(10));
  });

  it("1 MiB without CRLF: LineTooLongError as soon as the limit is passed, memory stays bounded", async () => {
    const { reader, input } = streamReader();
    const pending = reader.readLine();
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let peak = 0;
    let settled = false;
    pending.then(
      () => {},
      () => {
        settled = true;
      },
    );
    for (let i = 0; i < 16; i++) {
      input.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
      peak = Math.max(peak, reader.buffered);
      if (i === 0) expect(settled).toBe(true);
    }
    const error = await rejection(pending);
    expect(error).toBeInstanceOf(LineTooLongError);
    // The over-long line is discarded as it arrives, never kept.
    expect(peak).toBeLessThanOrEqual(8192 + chunk.length);
    expect(reader.buffered).toBe(0);
    input.write("\r\n250 after\r\n");
    expect(await reader.readResponse(250)).toEqual({ code: 250, message: "after" });
  });

  it("pauses the source when too much unread data is buffered, resumes when consumed", async () => {
    const { reader, input } = streamReader();
    const line = `${"z".repeat(1022)}\r\n`;
    const lines = 1500; // ~1.5 MiB, more than the 1 MiB high-water mark
    for (let i = 0; i < lines; i++) input.write(line);
    await new Promise((resolve) => setImmediate(resolve));
    expect(input.isPaused()).toBe(true);
    expect(reader.buffered).toBeGreaterThan(1024 * 1024);
    for (let i = 0; i < lines; i++) expect((await reader.readLine()).length).toBe(1022);
    expect(input.isPaused()).toBe(false);
  });
});

describe("closing and errors", () => {
  it("a source error rejects pending reads with ConnectionClosedError carrying the cause", async () => {
    const { reader, input } = streamReader();
    const pending = reader.readResponse(250);
    input.write("250-partial\r\n");
    const cause = new Error("ECONNRESET");
    input.destroy(cause);
    const error = (await rejection(pending)) as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.cause).toBe(cause);
    expect(await rejection(reader.readLine())).toBe(error);
  });

  it("a failing async iterable also rejects with the cause", async () => {
    const cause = new Error("boom");
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes("250-a\r\n");
      throw cause;
    }
    const error = await rejection(new Reader(source()).readResponse(250));
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toBe(cause);
  });

  it("destroy(err) rejects pending and future reads with err", async () => {
    const { reader, input } = streamReader();
    const pending = reader.readLine();
    const error = new Error("cancelled");
    reader.destroy(error);
    expect(await rejection(pending)).toBe(error);
    expect(await rejection(reader.readResponse(0))).toBe(error);
    input.write("250 late\r\n");
    expect(await rejection(reader.readLine())).toBe(error);
  });

  it("every error is a TextprotoError", async () => {
    const error = await rejection(readerOf("x\r\n").readResponse(0));
    expect(error).toBeInstanceOf(TextprotoError);
  });
});

describe("detach and rebind", () => {
  it("detach keeps the buffer and stops reading; rebind drops it and reads the new source", async () => {
    const { reader, input } = streamReader();
    input.write("220 a\r\nleft");
    expect(await reader.readResponse(220)).toEqual({ code: 220, message: "a" });
    reader.detach();
    input.write("ignored\r\n");
    await new Promise((resolve) => setImmediate(resolve));
    expect(reader.buffered).toBe(4);
    expect(input.listenerCount("data")).toBe(0);
    reader.rebind(readerSource("250 new\r\n"));
    expect(reader.buffered).toBe(0);
    expect(await reader.readResponse(250)).toEqual({ code: 250, message: "new" });
  });
});

function readerSource(s: string): AsyncIterable<Uint8Array> {
  return (async function* () {
    yield bytes(s);
  })();
}
