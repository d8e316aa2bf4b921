// Conn over a Duplex spy: the server script and the exact client bytes side by side.

import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { Conn } from "./conn.js";
import { ConnectionClosedError, InvalidLineError, ReplyError } from "./errors.js";
import { rejection } from "./test-util.js";

/** A transport whose every write() call is recorded; the test plays the server with reply(). */
class SpyTransport extends Duplex {
  readonly writes: string[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.writes.push(chunk.toString("latin1"));
    callback();
  }
  override _final(callback: () => void): void {
    this.push(null);
    callback();
  }
  reply(text: string): void {
    this.push(Buffer.from(text, "latin1"));
  }
}

describe("Conn", () => {
  it("several cmd() in one tick go out in ONE write; replies come back in order", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const replies = [
      conn.cmd("MAIL FROM:<a@example.org>", 250),
      conn.cmd("RCPT TO:<b@example.org>", 25),
      conn.cmd("RCPT TO:<c@example.org>", 25),
      conn.cmd("DATA", 354),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.writes).toEqual([
      "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n",
    ]);
    t.reply("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550-5.1.1 no such\r\n550 5.1.1 user\r\n354 go\r\n");
    const [mail, rcpt1, rcpt2, data] = await Promise.allSettled(replies);
    expect(mail).toEqual({ status: "fulfilled", value: { code: 250, message: "2.1.0 Ok" } });
    expect(rcpt1).toEqual({ status: "fulfilled", value: { code: 250, message: "2.1.5 Ok" } });
    expect(rcpt2?.status).toBe("rejected");
    expect((rcpt2 as PromiseRejectedResult).reason).toBeInstanceOf(ReplyError);
    expect((rcpt2 as PromiseRejectedResult).reason).toMatchObject({
      replyCode: 550,
      text: "5.1.1 no such\n5.1.1 user",
    });
    expect(data).toEqual({ status: "fulfilled", value: { code: 354, message: "go" } });
  });

  it("cmd() in different ticks are different writes", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const a = conn.cmd("NOOP", 250);
    t.reply("250 a\r\n");
    await a;
    const b = conn.cmd("NOOP", 250);
    t.reply("250 b\r\n");
    await b;
    expect(t.writes).toEqual(["NOOP\r\n", "NOOP\r\n"]);
  });

  it("a line with CR or LF is refused before anything is written", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const bad = conn.cmd("RCPT TO:<x>\r\nDATA", 250);
    expect(await rejection(bad)).toBeInstanceOf(InvalidLineError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.writes).toEqual([]);
  });

  it("expect() reads one more reply in pipeline order, writing nothing", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const greeting = conn.expect(220);
    const ehlo = conn.cmd("EHLO client.example", 250);
    t.reply("220 hi\r\n250-mx\r\n250 PIPELINING\r\n");
    expect(await greeting).toEqual({ code: 220, message: "hi" });
    expect(await ehlo).toEqual({ code: 250, message: "mx\nPIPELINING" });
    expect(t.writes).toEqual(["EHLO client.example\r\n"]);
  });

  it("replies stay in order when cmd() and expect() mix with reads queued on conn.pipeline", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const order: string[] = [];
    const first = conn.cmd("NOOP", 250).then((r) => order.push(`cmd ${r.message}`));
    // A caller's own read, queued through the pipeline, goes after the cmd()'s reply...
    const own = conn.pipeline
      .next(() => conn.reader.readResponse(250))
      .then((r) => order.push(`own ${r.message}`));
    // ...and an expect() made while it waits goes after it, not past it into the Reader.
    const after = conn.expect(354).then((r) => order.push(`expect ${r.message}`));
    t.reply("250 one\r\n250 two\r\n354 three\r\n");
    await Promise.all([first, own, after]);
    expect(order).toEqual(["cmd one", "own two", "expect three"]);
  });

  it("onLine sees each command line and each reply line", async () => {
    const t = new SpyTransport();
    const lines: string[] = [];
    const conn = new Conn(t, { onLine: (direction, line) => lines.push(`${direction}: ${line}`) });
    const reply = conn.cmd("EHLO x", 250);
    t.reply("250-mx\r\n250 SIZE 10\r\n");
    await reply;
    expect(lines).toEqual(["client: EHLO x", "server: 250-mx", "server: 250 SIZE 10"]);
  });

  it("detach() returns the unread byte count and empties the buffer; rebind() reads the new transport", async () => {
    const old = new SpyTransport();
    const conn = new Conn(old);
    const starttls = conn.cmd("STARTTLS", 220);
    old.reply("220 go ahead\r\n250 injected\r\n");
    await starttls;
    expect(conn.detach()).toBe("250 injected\r\n".length);
    expect(conn.reader.buffered).toBe(0);
    expect(old.listenerCount("data")).toBe(0);
    const fresh = new SpyTransport();
    conn.rebind(fresh);
    expect(conn.transport).toBe(fresh);
    const ehlo = conn.cmd("EHLO again", 250);
    fresh.reply("250 ok\r\n");
    expect(await ehlo).toEqual({ code: 250, message: "ok" });
    expect(old.writes).toEqual(["STARTTLS\r\n"]);
    expect(fresh.writes).toEqual(["EHLO again\r\n"]);
  });

  it("close() is idempotent and resolves when the transport is closed", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const first = conn.close();
    expect(conn.close()).toBe(first);
    await first;
    expect(t.destroyed).toBe(true);
    await conn.close();
  });

  it("close() writes what is batched first", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const quit = conn.cmd("QUIT", 221);
    await conn.close();
    expect(t.writes).toEqual(["QUIT\r\n"]);
    expect(await rejection(quit)).toBeInstanceOf(ConnectionClosedError);
  });

  it("destroy(err) rejects pending replies with err; destroy() with ConnectionClosedError", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const pending = conn.cmd("NOOP", 250);
    const error = new Error("aborted");
    conn.destroy(error);
    expect(await rejection(pending)).toBe(error);

    const t2 = new SpyTransport();
    const conn2 = new Conn(t2);
    const pending2 = conn2.cmd("NOOP", 250);
    conn2.destroy();
    expect(await rejection(pending2)).toBeInstanceOf(ConnectionClosedError);
  });

  it("the peer closing mid-reply rejects with ConnectionClosedError", async () => {
    const t = new SpyTransport();
    const conn = new Conn(t);
    const reply = conn.cmd("EHLO x", 250);
    t.reply("250-mx\r\n250-SIZE");
    t.push(null);
    const error = await rejection(reply);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toBe("unexpected EOF");
  });
});
