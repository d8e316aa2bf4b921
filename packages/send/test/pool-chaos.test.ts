import { afterAll, beforeAll, expect, it } from "vitest";
import { type ChaosProxy, chaosProxy } from "./support/chaos-proxy.js";
import { accountFor, sendNumbered } from "./support/send-numbered.js";
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
  const run = { messages: MESSAGES, recipients: 7, subject: "chaos" };
  const { results, seconds } = await sendNumbered(
    {
      addr: proxy.addr,
      tls: "none",
      pool: {
        maxConnections: 4,
        maxMessagesPerConnection: 10_000,
        maxQueued: 64,
        maxRetries: 3,
        retryDelay: 0,
      },
    },
    run,
  );
  const { counts, unknownStored, retried, wrong } = accountFor(
    run,
    results,
    server.received.map((r) => r.data.toString("latin1")),
  );

  console.log(
    `pool chaos: ${MESSAGES} messages in ${seconds.toFixed(1)} s (${(MESSAGES / seconds).toFixed(0)}/s); ` +
      `sent ${counts.sent}, failed ${counts.failed}, unknown ${counts.unknown} ` +
      `(${unknownStored} of them reached the server), refused ${counts.refused}; ` +
      `${retried} retried; proxy: ${proxy.connections} connections, ${proxy.cuts} cut; ` +
      `server received ${server.received.length}`,
  );
  expect(wrong).toEqual([]);
  expect(counts.sent + counts.failed + counts.unknown).toBe(MESSAGES);
  expect(counts.refused).toBe(0);
  // The server received exactly the sent ones plus some of the unknown ones.
  expect(server.received.length).toBe(counts.sent + unknownStored);
  // The proxy really did cut connections, and the pool recovered from it.
  expect(proxy.cuts).toBeGreaterThanOrEqual(5);
  expect(retried).toBeGreaterThan(0);
  expect(counts.sent).toBeGreaterThan(MESSAGES * 0.9);
}, 300_000);
