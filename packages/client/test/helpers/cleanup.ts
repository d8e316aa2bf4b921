// Every test closes what it opened: `defer(fn)` registers a closer that runs after the
// test, last opened first, whether the test passed or not. After the file, no socket or
// server handle may be left (process.getActiveResourcesInfo(), as issue 4 asks).

import { afterAll, afterEach, expect } from "vitest";

const NETWORK = /^(TCPSocketWrap|TCPServerWrap|TLSWrap|TCPWRAP|TLSWRAP)$/i;

/** Socket and server handles still open in this worker, after pending closes ran. */
export async function openNetworkHandles(): Promise<string[]> {
  // A closed socket releases its handle on a later turn of the event loop.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((r) => NETWORK.test(r));
}

export function useCleanup(): (close: () => unknown) => void {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  afterAll(async () => {
    expect(await openNetworkHandles()).toEqual([]);
  });
  return (close) => {
    closers.push(close);
  };
}
