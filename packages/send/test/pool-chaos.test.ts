import { afterAll, beforeAll, expect, it } from "vitest";
import { createSender, type SendResult } from "../src/index.js";
import { type ChaosProxy, chaosProxy } from "./support/chaos-proxy.js";
import { startServer, type TestServer } from "./support/server.js";

// 10,000 messages over 4 connections through a proxy that cuts every connection
// at a random byte (seeded). Afterwards each message must have been received by
// the server exactly once, or reported as failed/unknown; none twice; a "sent"
// message was received; a "failed" one was not.
const MESSAGES = Number(process.env.CHAOS_MESSAGES ?? 10_000);
const SEED = Number(process.env.CHAOS_SEED ?? 20261128);

let server: TestServer;
let proxy: ChaosProxy;
beforeAll(async () => {
  server = await startServer({ hideSTARTTLS: true });
  proxy = await chaosProxy(
    { host: "127.0.0.1", port: server.port },
    { seed: SEED, minBytes: 100, maxBytes: 40_000 },
  );
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

it(`${MESSAGES} messages, 4 connections, connections cut at random points: none lost silently, none twice`, async () => {
  const sender = createSender({
    addr: proxy.addr,
    tls: "none",
    pool: {
      maxConnections: 4,
      maxMessagesPerConnection: 10_000,
      maxQueued: 64,
      maxRetries: 3,
      retryDelay: 0,
    },
  });
  const started = performance.now();
  const pending: Promise<SendResult>[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    await sender.ready();
    pending.push(
      sender.send({
        from: "bulk@example.org",
        to: [`r${i % 7}@example.org`],
        body: `X-Msg-Id: ${i}\r\nSubject: chaos ${i}\r\n\r\nmessage ${i}\r\n`,
      }),
    );
  }
  const results = await Promise.all(pending);
  await sender.close();
  const seconds = (performance.now() - started) / 1000;

  const received = new Map<number, number>();
  for (const r of server.received) {
    const id = Number(/^X-Msg-Id: (\d+)/.exec(r.data.toString())?.[1]);
    received.set(id, (received.get(id) ?? 0) + 1);
  }
  const counts = { sent: 0, refused: 0, failed: 0, unknown: 0 };
  let unknownReceived = 0;
  let retried = 0;
  const wrong: string[] = [];
  results.forEach((r, i) => {
    counts[r.outcome]++;
    if (r.attempts > 1) retried++;
    const n = received.get(i) ?? 0;
    if (n > 1) wrong.push(`#${i} received ${n} times`);
    if (r.outcome === "sent" && n !== 1) wrong.push(`#${i} reported sent, received ${n} times`);
    if ((r.outcome === "failed" || r.outcome === "refused") && n !== 0)
      wrong.push(`#${i} reported ${r.outcome}, received`);
    if (r.outcome === "unknown" && n === 1) unknownReceived++;
  });
  for (const id of received.keys())
    if (!(id >= 0 && id < MESSAGES)) wrong.push(`unexpected message ${id}`);

  console.log(
    `pool chaos: ${MESSAGES} messages in ${seconds.toFixed(1)} s (${(MESSAGES / seconds).toFixed(0)}/s); ` +
      `sent ${counts.sent}, failed ${counts.failed}, unknown ${counts.unknown} ` +
      `(${unknownReceived} of them reached the server), refused ${counts.refused}; ` +
      `${retried} retried; proxy: ${proxy.connections} connections, ${proxy.cuts} cut; ` +
      `server received ${server.received.length}`,
  );
  expect(wrong).toEqual([]);
  expect(counts.sent + counts.failed + counts.unknown).toBe(MESSAGES);
  expect(counts.refused).toBe(0);
  // The server received exactly the sent ones plus some of the unknown ones.
  expect(server.received.length).toBe(counts.sent + unknownReceived);
  // The proxy really did cut connections, and the pool recovered from it.
  expect(proxy.cuts).toBeGreaterThanOrEqual(5);
  expect(retried).toBeGreaterThan(0);
  expect(counts.sent).toBeGreaterThan(MESSAGES * 0.9);
}, 300_000);
