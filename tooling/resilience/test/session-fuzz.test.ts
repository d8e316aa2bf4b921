// Random bodies through a full session against a loopback server (issue 7, fuzzing):
// dial once, then for every generated case send() the body (whole, or streamed in random
// chunks; through DATA or BDAT) and compare what the server stored with the intended
// bytes. One connection serves the whole property run, so 10^5 cases stay fast; should
// the session ever end, the next case dials again (and the property still fails on the
// error that ended it).

import { type Client, dial } from "@smtp/client";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type HostileServer, startHostileServer } from "../src/hostile-server.js";
import { RUNS } from "./support/fuzz.js";
import { inChunks, intendedDataBody } from "./support/intended.js";

let server: HostileServer;
let client: Client | undefined;

beforeAll(async () => {
  server = await startHostileServer({
    extensions: ["PIPELINING", "8BITMIME", "CHUNKING", "BINARYMIME", "ENHANCEDSTATUSCODES"],
  });
});
afterAll(async () => {
  await client?.quit().catch(() => {});
  await client?.close();
  await server.close();
});

async function session(): Promise<Client> {
  if (client === undefined || client.closed) {
    client = await dial(server.address, {
      localName: "fuzz.test",
      timeouts: { command: 10_000, finalReply: 10_000 },
    });
  }
  return client;
}

const byte = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0x0d, 0x0a, 0x2e) },
  { weight: 3, arbitrary: fc.constantFrom(0x61, 0x20, 0x00, 0xff) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const body = fc.array(byte, { maxLength: 120 }).map((b) => Uint8Array.from(b));
const cuts = fc.option(fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 4 }), {
  nil: undefined,
});

it(`${RUNS} random bodies through one loopback session arrive as intended (DATA and BDAT)`, async () => {
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(body, cuts, fc.boolean(), async (input, sizes, chunking) => {
      const c = await session();
      const before = server.messages.length;
      await c.send(
        { from: "a@example.org", to: ["b@example.org"], chunking },
        sizes === undefined ? input : inChunks(input, sizes),
      );
      sent++;
      expect(server.messages.length).toBe(before + 1);
      const stored = server.messages[before]!.body;
      const intended = chunking ? Buffer.from(input) : intendedDataBody(input);
      expect(stored.equals(intended)).toBe(true);
    }),
    { numRuns: RUNS },
  );
  expect(sent).toBeGreaterThanOrEqual(RUNS);
  // The server keeps what it stored; free it between big runs.
  expect(server.sessions.length).toBe(1);
}, 3_600_000);
