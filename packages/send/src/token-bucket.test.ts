import { describe, expect, it } from "vitest";
import { FakeClock } from "../test/support/fake-clock.js";
import { TokenBucket } from "./token-bucket.js";

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("TokenBucket", () => {
  it("hands out the burst at once, then one token per interval", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ messages: 3, perMs: 300 }, clock);
    let granted = 0;
    const all = Array.from({ length: 7 }, () => bucket.take().then(() => granted++));
    await settle();
    expect(granted).toBe(3);
    expect(bucket.waiting).toBe(4);
    clock.advance(99);
    await settle();
    expect(granted).toBe(3);
    clock.advance(1);
    await settle();
    expect(granted).toBe(4);
    clock.advance(300);
    await Promise.all(all);
    expect(granted).toBe(7);
    expect(bucket.taken).toBe(7);
    expect(clock.pendingTimers).toBe(0);
  });

  it("never holds more than the burst after a long idle time", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ messages: 2, perMs: 1000, burst: 2 }, clock);
    clock.advance(1_000_000);
    let granted = 0;
    const all = Array.from({ length: 5 }, () => bucket.take().then(() => granted++));
    await settle();
    expect(granted).toBe(2);
    bucket.cancel(new Error("stop"));
    const outcomes = await Promise.allSettled(all);
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(3);
  });

  it("serves waiters in order and lets an aborted waiter go", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ messages: 1, perMs: 10 }, clock);
    await bucket.take();
    const order: string[] = [];
    const ac = new AbortController();
    const a = bucket.take().then(() => order.push("a"));
    const b = bucket.take(ac.signal).then(
      () => order.push("b"),
      () => order.push("b aborted"),
    );
    const c = bucket.take().then(() => order.push("c"));
    ac.abort(new Error("no"));
    clock.advance(10);
    clock.advance(10);
    await Promise.all([a, b, c]);
    expect(order).toEqual(["b aborted", "a", "c"]);
  });

  it("cancel rejects every waiter", async () => {
    const bucket = new TokenBucket({ messages: 1, perMs: 1000 }, new FakeClock());
    await bucket.take();
    const pending = bucket.take();
    bucket.cancel(new Error("closed"));
    await expect(pending).rejects.toThrow("closed");
  });

  it("refuses a limit that is not positive", () => {
    expect(() => new TokenBucket({ messages: 0, perMs: 1000 })).toThrow(RangeError);
  });
});
