// What every hostile test checks besides its own error: no unhandled rejection, and no
// handle (socket, server, TLS wrap, timer) left open once the test's closers ran.
//
//   const defer = guardEachTest();   // at the top of a test file
//   defer(() => server.close());     // closers run after the test, last first
//
// The unhandled-rejection listener is the process's own: a rejection nobody handled in
// this file's tests fails the test that was running.

import { afterAll, afterEach, beforeEach, expect } from "vitest";
import {
  openNetworkHandles,
  useCleanup,
} from "../../../../packages/client/test/helpers/cleanup.js";

const WATCHED = /^(TCPSocketWrap|TCPServerWrap|TLSWrap|Timeout)$/;

function watchedHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) {
    if (WATCHED.test(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

async function settled(): Promise<Map<string, number>> {
  await openNetworkHandles(); // lets closed sockets release their handles
  return watchedHandles();
}

export function guardEachTest(): (close: () => unknown) => void {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => {
    unhandled.push(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  afterAll(() => {
    process.off("unhandledRejection", onUnhandled);
  });
  let before = new Map<string, number>();
  beforeEach(async () => {
    before = await settled();
  });
  // Registered before useCleanup's afterEach, so it runs after the closers.
  afterEach(async () => {
    // A rejection becomes "unhandled" a turn after it happened.
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A handle closing on its own (a socket's last event, a timer about to fire) gets a
    // short while; one that is really leaked (a 5-minute deadline, a socket) stays.
    let leaked: [string, number][] = [];
    for (let i = 0; i < 50; i++) {
      const after = await settled();
      leaked = [...after].filter(([name, n]) => n > (before.get(name) ?? 0));
      if (leaked.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(leaked, "handles left open by the test").toEqual([]);
    expect(unhandled.splice(0), "unhandled rejections").toEqual([]);
  });
  return useCleanup();
}

/** The promise's rejection reason; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection, but it resolved");
}
