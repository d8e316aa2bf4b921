import { describe, expect, it } from "vitest";
import { Pipeline } from "./pipeline.js";

describe("Pipeline", () => {
  it("runs reads one after another, in the order they were queued", async () => {
    const p = new Pipeline();
    const log: string[] = [];
    const gates: (() => void)[] = [];
    const read = (name: string) =>
      p.next(
        () =>
          new Promise<string>((resolve) => {
            log.push(`start ${name}`);
            gates.push(() => {
              log.push(`end ${name}`);
              resolve(name);
            });
          }),
      );
    const results = [read("a"), read("b"), read("c")];
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["start a"]);
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    gates.shift()?.();
    expect(await Promise.all(results)).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("a rejected read does not break the order for the next one", async () => {
    const p = new Pipeline();
    const order: number[] = [];
    const first = p.next(async () => {
      order.push(1);
      throw new Error("550");
    });
    const second = p.next(async () => {
      order.push(2);
      return "250";
    });
    await expect(first).rejects.toThrow("550");
    expect(await second).toBe("250");
    expect(order).toEqual([1, 2]);
  });

  it("is idle only when every read it queued has settled", async () => {
    const p = new Pipeline();
    expect(p.idle).toBe(true);
    let finish: (value: string) => void = () => {};
    const first = p.next(() => new Promise<string>((resolve) => (finish = resolve)));
    const second = p.next(async () => {
      throw new Error("refused");
    });
    expect(p.idle).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    finish("done");
    expect(await first).toBe("done");
    await expect(second).rejects.toThrow("refused");
    await new Promise((resolve) => setImmediate(resolve));
    expect(p.idle).toBe(true);
  });

  it("a read that throws synchronously is a rejection too", async () => {
    const p = new Pipeline();
    const bad = p.next((): Promise<string> => {
      throw new Error("sync");
    });
    await expect(bad).rejects.toThrow("sync");
    expect(await p.next(async () => 1)).toBe(1);
  });
});
