import { makeTestPki } from "@smtp/test-certs";
import { afterEach, describe, expect, it } from "vitest";
import { createSender, type Sender, type SendResult } from "../src/index.js";
import { FakeClock } from "./support/fake-clock.js";
import { scriptedServer } from "./support/scripted-server.js";
import { PASSWORD, startServer, type TestServer, USER } from "./support/server.js";
import { until } from "./support/wait.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});
async function server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer({ hideSTARTTLS: true, ...options });
  cleanup.push(() => s.close());
  return s;
}
function sender(options: Parameters<typeof createSender>[0]): Sender {
  const s = createSender({ tls: "none", ...options });
  cleanup.push(() => s.close({ abort: true }));
  return s;
}
const msg = (n: number) => ({
  from: "a@example.org",
  to: ["b@example.org"],
  body: `Message-Id: <${n}@test>\r\nX-Seq: ${n}\r\n\r\nbody ${n}\r\n`,
});
const seqOf = (data: Buffer | string) => Number(/X-Seq: (\d+)/.exec(data.toString())?.[1]);

describe("createSender", () => {
  it("sends many messages over at most maxConnections connections, each once", async () => {
    const s = await server();
    const pool = sender({ addr: s.addr, pool: { maxConnections: 3 } });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => pool.send(msg(i))));
    await pool.close();
    expect(results.every((r) => r.outcome === "sent" && r.attempts === 1)).toBe(true);
    expect(s.received.map((r) => seqOf(r.data)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );
    expect(s.connections).toBeLessThanOrEqual(3);
    expect(pool.stats()).toMatchObject({ sent: 60, connections: 0 });
  });

  it("replaces a connection after maxMessagesPerConnection", async () => {
    const s = await server();
    const lines: string[] = [];
    const pool = sender({
      addr: s.addr,
      onLine: (d, l) => d === "client" && lines.push(l),
      pool: { maxConnections: 1, maxMessagesPerConnection: 3 },
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => pool.send(msg(i))));
    await pool.close();
    expect(pool.stats().connectionsOpened).toBe(4);
    expect(s.connections).toBe(4);
    expect(lines.filter((l) => l === "QUIT")).toHaveLength(4);
  });

  it("checks an idle connection with NOOP before reusing it", async () => {
    const s = await server();
    const lines: string[] = [];
    const pool = sender({ addr: s.addr, onLine: (d, l) => d === "client" && lines.push(l) });
    await pool.send(msg(1));
    await until(() => pool.stats().idle === 1);
    expect(lines).not.toContain("NOOP");
    const second = await pool.send(msg(2));
    expect(second).toMatchObject({ outcome: "sent", attempts: 1 });
    expect(lines.filter((l) => l === "NOOP")).toHaveLength(1);
    expect(pool.stats().connectionsOpened).toBe(1);
  });

  it("reconnects transparently when the server closed an idle connection", async () => {
    const s = await server();
    const pool = sender({ addr: s.addr });
    await pool.send(msg(1));
    await until(() => pool.stats().idle === 1);
    s.dropConnections();
    const second = await pool.send(msg(2));
    expect(second).toMatchObject({ outcome: "sent", attempts: 1 });
    expect(pool.stats().connectionsOpened).toBe(2);
    expect(s.received).toHaveLength(2);
  });

  it("closes a connection idle for idleTimeout (fake clock)", async () => {
    const s = await server();
    const clock = new FakeClock();
    const lines: string[] = [];
    const pool = sender({
      addr: s.addr,
      clock,
      onLine: (d, l) => d === "client" && lines.push(l),
      pool: { idleTimeout: 5_000 },
    });
    await pool.send(msg(1));
    await until(() => pool.stats().idle === 1);
    clock.advance(4_999);
    expect(pool.stats().connections).toBe(1);
    clock.advance(1);
    await until(() => pool.stats().connections === 0);
    expect(lines.at(-1)).toBe("QUIT");
  });

  it("honours the shared rate limit across connections (tokens counted on a fake clock)", async () => {
    const s = await server();
    const clock = new FakeClock();
    const pool = sender({
      addr: s.addr,
      clock,
      pool: { maxConnections: 4, maxQueued: 100, rateLimit: { messages: 5, perMs: 1_000 } },
    });
    const results = Array.from({ length: 23 }, (_, i) => pool.send(msg(i)));
    // The burst: 5 transactions, then every lane (4 connections × 2) waits for a token.
    await until(() => s.received.length === 5 && pool.stats().waitingForToken === 8);
    expect(pool.stats().tokensTaken).toBe(5);
    for (const expected of [10, 15, 20]) {
      clock.advance(1_000);
      await until(() => s.received.length === expected && pool.stats().waitingForToken >= 3);
      expect(pool.stats().tokensTaken).toBe(expected);
    }
    clock.advance(199);
    // Less than one token's time (200 ms) passed: nothing more may start.
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.stats().tokensTaken).toBe(20);
    clock.advance(1);
    await until(() => pool.stats().tokensTaken === 21);
    clock.advance(400);
    const all = await Promise.all(results);
    expect(all.every((r) => r.outcome === "sent")).toBe(true);
    expect(pool.stats().tokensTaken).toBe(23);
    // Connections were opened as needed, never more than four.
    expect(pool.stats().connectionsOpened).toBeLessThanOrEqual(4);
  });

  it("retries a temporary refusal and reports a permanent one", async () => {
    let tempfails = 0;
    const srv = await scriptedServer({
      onCommand: (line) => {
        if (line === "RCPT TO:<busy@example.org>" && tempfails++ < 1) return "451 4.3.0 try later";
        if (line === "RCPT TO:<gone@example.org>") return "550 5.1.1 no such user";
        if (line === "RCPT TO:<always@example.org>") return "452 4.2.2 mailbox full";
        return undefined;
      },
    });
    cleanup.push(() => srv.close());
    const pool = sender({
      addr: srv.addr,
      pool: { maxConnections: 1, maxRetries: 2, retryDelay: 0 },
    });
    const busy = await pool.send({ ...msg(1), to: ["busy@example.org"] });
    const gone = await pool.send({ ...msg(2), to: ["gone@example.org"] });
    const always = await pool.send({ ...msg(3), to: ["always@example.org"] });
    expect(busy).toMatchObject({ outcome: "sent", attempts: 2, accepted: ["busy@example.org"] });
    expect(gone).toMatchObject({ outcome: "refused", attempts: 1 });
    expect(gone.rejected.map((r) => [r.address, r.reply.code])).toEqual([
      ["gone@example.org", 550],
    ]);
    expect(always).toMatchObject({ outcome: "failed", attempts: 3 });
    expect(always.reply?.code).toBe(452);
    expect(srv.accepted.map(seqOf)).toEqual([1]);
    // The session stayed usable after each refusal: one connection for all of it.
    expect(srv.connections).toBe(1);
  });

  it("a connection lost after the final dot is 'unknown' and never retried", async () => {
    const srv = await scriptedServer({ onDot: (n) => (n === 1 ? "close" : "accept") });
    cleanup.push(() => srv.close());
    const pool = sender({
      addr: srv.addr,
      pool: { maxConnections: 1, maxRetries: 5, retryDelay: 0 },
    });
    const first = await pool.send(msg(1));
    expect(first.outcome).toBe("unknown");
    expect(first.attempts).toBe(1);
    expect(first.error).toMatchObject({ phase: "final-reply" });
    const second = await pool.send(msg(2));
    expect(second.outcome).toBe("sent");
    // The first body reached the server exactly once (its dot arrived), the second too.
    expect(srv.lines.filter((l) => l === "DATA")).toHaveLength(2);
  });

  it("a connection lost before the final dot is retried and delivered once", async () => {
    let cut = 0;
    const srv = await scriptedServer({
      onCommand: (line) => (line.startsWith("RCPT") && cut++ === 0 ? "close" : undefined),
    });
    cleanup.push(() => srv.close());
    const pool = sender({ addr: srv.addr, pool: { maxConnections: 1, retryDelay: 0 } });
    const result = await pool.send(msg(7));
    expect(result).toMatchObject({ outcome: "sent", attempts: 2 });
    expect(srv.accepted.map(seqOf)).toEqual([7]);
    expect(srv.connections).toBe(2);
  });

  it("does not retry a stream body that was already read", async () => {
    let cut = 0;
    const srv = await scriptedServer({
      onCommand: () => undefined,
      onDot: () => (cut++ === 0 ? { reply: "451 4.3.0 try again" } : "accept"),
    });
    cleanup.push(() => srv.close());
    const pool = sender({ addr: srv.addr, pool: { maxConnections: 1, retryDelay: 0 } });
    const stream = (async function* () {
      yield "Subject: streamed\r\n\r\nonce\r\n";
    })();
    const result = await pool.send({ from: "a@example.org", to: ["b@example.org"], body: stream });
    expect(result).toMatchObject({ outcome: "failed", attempts: 1 });
    expect(result.reply?.code).toBe(451);
    const again = await pool.send({ ...msg(1) });
    expect(again).toMatchObject({ outcome: "sent", attempts: 1 });
  });

  it("backpressure: send() waits outside the pool when the queue is full", async () => {
    const s = await server();
    const pool = sender({ addr: s.addr, pool: { maxConnections: 1, maxQueued: 2 } });
    const results: Promise<SendResult>[] = [];
    for (let i = 0; i < 8; i++) results.push(pool.send(msg(i)));
    // Two lanes on the one connection (pipelineDepth 2), two queued, the rest blocked.
    expect(pool.stats()).toMatchObject({ connections: 1, lanes: 2, queued: 2, blocked: 4 });
    let ready = false;
    void pool.ready().then(() => {
      ready = true;
    });
    await Promise.resolve();
    expect(ready).toBe(false);
    await Promise.all(results);
    await until(() => ready);
    expect(s.received.map((r) => seqOf(r.data))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("close() drains everything already passed to send(), then refuses new work", async () => {
    const s = await server();
    const pool = sender({ addr: s.addr, pool: { maxConnections: 2, maxQueued: 2 } });
    const results = Array.from({ length: 12 }, (_, i) => pool.send(msg(i)));
    await pool.close();
    expect((await Promise.all(results)).every((r) => r.outcome === "sent")).toBe(true);
    expect(s.received).toHaveLength(12);
    expect(pool.stats().connections).toBe(0);
    const late = await pool.send(msg(99));
    expect(late).toMatchObject({
      outcome: "failed",
      attempts: 0,
      error: { code: "ERR_SENDER_CLOSED" },
    });
  });

  it("close({ abort: true }) stops at once; nothing is reported sent that was not, nothing twice", async () => {
    const s = await server();
    const pool = sender({ addr: s.addr, pool: { maxConnections: 2, maxQueued: 500 } });
    // Far more than can be sent between two polls of until(), so the abort lands mid-run.
    const results = Array.from({ length: 400 }, (_, i) => pool.send(msg(i)));
    await until(() => s.received.length >= 3);
    await pool.close({ abort: true });
    const all = await Promise.all(results);
    const sent = all.flatMap((r, i) => (r.outcome === "sent" ? [i] : []));
    const unknown = all.flatMap((r, i) => (r.outcome === "unknown" ? [i] : []));
    expect(all.filter((r) => r.outcome === "failed").length).toBeGreaterThan(0);
    expect(all.every((r) => r.outcome !== "refused")).toBe(true);
    const received = s.received.map((r) => seqOf(r.data));
    expect(new Set(received).size).toBe(received.length);
    for (const i of sent) expect(received).toContain(i);
    for (const i of received) expect(sent.includes(i) || unknown.includes(i)).toBe(true);
    expect(pool.stats().connections).toBe(0);
  });

  it("authenticates every pooled connection over required STARTTLS", async () => {
    const { ca, server: cert } = await makeTestPki();
    const s = await startServer({ key: cert.key, cert: cert.cert, authMethods: ["PLAIN"] });
    cleanup.push(() => s.close());
    const pool = sender({
      addr: s.addr,
      auth: { username: USER, password: PASSWORD },
      tls: "required",
      tlsOptions: { ca },
      pool: { maxConnections: 2 },
    });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.send(msg(i))));
    await pool.close();
    expect(results.every((r) => r.outcome === "sent")).toBe(true);
    expect(s.received.every((r) => r.secure && r.user === USER)).toBe(true);
    expect(s.auths).toHaveLength(pool.stats().connectionsOpened);
  });

  it("refused credentials stop the sender instead of retrying them for every message", async () => {
    const { ca, server: cert } = await makeTestPki();
    const s = await startServer({ key: cert.key, cert: cert.cert, authMethods: ["PLAIN"] });
    cleanup.push(() => s.close());
    const pool = sender({
      addr: s.addr,
      auth: { username: USER, password: "wrong" },
      tls: "required",
      tlsOptions: { ca },
      pool: { maxConnections: 2, maxQueued: 100 },
    });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.send(msg(i))));
    expect(results.every((r) => r.outcome === "refused" && r.reply?.code === 535)).toBe(true);
    // At most one AUTH per connection slot that was opening when the refusal came.
    expect(s.auths.length).toBeLessThanOrEqual(2);
    const later = await pool.send(msg(99));
    expect(later).toMatchObject({ outcome: "refused", attempts: 0 });
    expect(s.auths.length).toBeLessThanOrEqual(2);
  });

  it("the sender's own signal aborts it like close({ abort: true })", async () => {
    const s = await server();
    const controller = new AbortController();
    const pool = sender({
      addr: s.addr,
      signal: controller.signal,
      pool: { maxConnections: 1, maxQueued: 500 },
    });
    const results = Array.from({ length: 300 }, (_, i) => pool.send(msg(i)));
    await until(() => s.received.length >= 2);
    controller.abort(new Error("shutting down"));
    const all = await Promise.all(results);
    const aborted = all.filter(
      (r) => (r.error as { code?: string } | undefined)?.code === "ERR_SEND_ABORTED",
    );
    expect(aborted.length).toBeGreaterThan(0);
    expect(aborted.every((r) => r.outcome === "failed" && r.attempts === 0)).toBe(true);
    await until(() => pool.stats().connections === 0);
    const late = await pool.send(msg(999));
    expect(late.outcome).toBe("failed");
  });

  it("an invalid address fails that message only, before any connection", async () => {
    const s = await server();
    const pool = sender({ addr: s.addr });
    const bad = await pool.send({ ...msg(1), to: ["x@example.org\r\nRSET"] });
    expect(bad).toMatchObject({
      outcome: "failed",
      attempts: 0,
      error: { code: "ERR_INVALID_ADDRESS" },
    });
    expect(pool.stats().connectionsOpened).toBe(0);
  });
});
