// Faults under load (issue 7): the pooled sender sends 20,000 messages over 8 connections
// to a server that drops connections at random moments (seeded): before the greeting, in
// the middle of a command (half a reply), in the middle of a DATA body, and after the
// final dot before its reply (the message is stored; the client cannot know).
// Afterwards every message is stored exactly once, or reported failed or unknown; none is
// stored twice; a "sent" one was stored once; a "failed" one not at all; an "unknown" one
// once or not at all. The counts are printed and asserted.

import { afterAll, beforeAll, expect, it } from "vitest";
import { accountFor, sendNumbered } from "../../../packages/send/test/support/send-numbered.js";
import { dropsAtRandom, type RandomDrops } from "../src/behaviours.js";
import { type HostileServer, startHostileServer } from "../src/hostile-server.js";

const MESSAGES = Number(process.env.LOAD_MESSAGES ?? 20_000);
const SEED = Number(process.env.LOAD_SEED ?? 7_2026);

let server: HostileServer;
let drops: RandomDrops;
beforeAll(async () => {
  drops = dropsAtRandom(SEED, {
    "before-greeting": 0.05, // per connection
    "mid-command": 0.001, // per command line
    "mid-body": 0.002, // per body chunk
    "after-dot": 0.002, // per final dot
  });
  server = await startHostileServer({
    extensions: ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"],
    hook: drops.hook,
  });
});
afterAll(async () => {
  await server.close();
});

it(`${MESSAGES} messages over 8 connections, connections dropped at random moments: each stored once or reported, none twice`, async () => {
  const run = { messages: MESSAGES, recipients: 11, subject: "load" };
  const { results, seconds } = await sendNumbered(
    {
      addr: server.address,
      tls: "none",
      localName: "load.test",
      timeouts: { command: 10_000, finalReply: 10_000 },
      pool: {
        maxConnections: 8,
        maxMessagesPerConnection: 100_000,
        maxQueued: 128,
        maxRetries: 3,
        retryDelay: 0,
      },
    },
    run,
  );
  const { counts, unknownStored, retried, wrong } = accountFor(
    run,
    results,
    server.messages.map((m) => m.body.toString("latin1")),
  );

  console.log(
    `faults under load: ${MESSAGES} messages in ${seconds.toFixed(1)} s (${(MESSAGES / seconds).toFixed(0)}/s); ` +
      `sent ${counts.sent}, failed ${counts.failed}, unknown ${counts.unknown} (${unknownStored} of them stored), ` +
      `refused ${counts.refused}; ${retried} retried; server: ${server.sessions.length} connections, ` +
      `drops ${JSON.stringify(drops.counts)}, stored ${server.messages.length}`,
  );
  expect(wrong.slice(0, 20)).toEqual([]);
  expect(counts.sent + counts.failed + counts.unknown + counts.refused).toBe(MESSAGES);
  expect(counts.refused).toBe(0);
  expect(server.messages.length).toBe(counts.sent + unknownStored);
  // Every kind of drop happened, and the pool recovered from them.
  for (const kind of ["before-greeting", "mid-command", "mid-body", "after-dot"] as const) {
    expect(drops.counts[kind], kind).toBeGreaterThan(0);
  }
  expect(drops.storedThenDropped).toBeGreaterThan(0);
  expect(retried).toBeGreaterThan(0);
  expect(counts.sent).toBeGreaterThan(MESSAGES * 0.9);
}, 600_000);
