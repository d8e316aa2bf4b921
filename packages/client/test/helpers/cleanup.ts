// Every test closes what it opened: `defer(fn)` registers a closer that runs after the
// test, last opened first, whether the test passed or not.

import { afterEach } from "vitest";

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
  return (close) => {
    closers.push(close);
  };
}
