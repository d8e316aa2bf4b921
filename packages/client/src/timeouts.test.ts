// Timeouts, aborts and dying servers over real loopback TCP: the error is typed and names
// the phase, and nothing stays open afterwards (no socket, no timer).
import type * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Client } from "./client.js";
import { dial } from "./dial.js";
import { AbortError, ConnectionClosedError, TimeoutError } from "./errors.js";
import { type LoopbackServer, loopbackServer, onLines, openHandles } from "./test-util.js";
import { Deadline, resolveTimeouts } from "./timeouts.js";

let server: LoopbackServer | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

/** Waits until the handles this test opened are gone (sockets close asynchronously). */
async function handlesBackTo(baseline: number): Promise<number> {
  for (let i = 0; i < 200 && openHandles().length > baseline; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return openHandles().length;
}

/** A server that greets and answers each command from `answers` (by verb), or stalls. */
function answering(answers: Record<string, string | undefined>, greet = true) {
  return (socket: net.Socket) => {
    if (greet) socket.write("220 test ESMTP\r\n");
    onLines(socket, (line) => {
      const verb = line.split(" ")[0]!.toUpperCase();
      const answer = answers[verb];
      if (answer !== undefined) socket.write(answer);
    });
  };
}

describe("timeouts", () => {
  it("has RFC 5321 §4.5.3.2 defaults", () => {
    expect(resolveTimeouts(undefined)).toEqual({
      connect: 30_000,
      greeting: 300_000,
      command: 300_000,
      finalReply: 600_000,
    });
  });

  it("a server that never greets: TimeoutError in phase greeting, nothing left open", async () => {
    server = await loopbackServer(() => {});
    const baseline = openHandles().length;
    const err = await dial(server.addr, { timeouts: { greeting: 50 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: "ERR_TIMEOUT", phase: "greeting" });
    await server.close();
    server = undefined;
    expect(await handlesBackTo(baseline)).toBeLessThanOrEqual(baseline);
  });

  it("a server that stalls mid-reply: TimeoutError names the phase and destroys the socket", async () => {
    server = await loopbackServer(answering({ EHLO: "250-mx at your service\r\n" }));
    const baseline = openHandles().length;
    const c = await dial(server.addr, { timeouts: { command: 50 } });
    clients.push(c);
    const err = await c.noop().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ phase: "hello" });
    expect(c.closed).toBe(true);
    expect(c.text.transport.destroyed).toBe(true);
    // Later calls say the connection is gone, with the timeout as the cause.
    const later = (await c.noop().catch((e: unknown) => e)) as ConnectionClosedError;
    expect(later).toBeInstanceOf(ConnectionClosedError);
    expect(later.cause).toBe(err);
    await server.close();
    server = undefined;
    expect(await handlesBackTo(baseline)).toBeLessThanOrEqual(baseline);
  });

  it("the reply after the final dot has its own deadline, phase final-reply", async () => {
    server = await loopbackServer(
      answering({ EHLO: "250 mx\r\n", MAIL: "250 ok\r\n", RCPT: "250 ok\r\n", DATA: "354 go\r\n" }),
    );
    const c = await dial(server.addr, { timeouts: { finalReply: 50 } });
    clients.push(c);
    const err = await c
      .send({ from: "a@example.org", to: ["b@example.org"] }, "hello\r\n")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ phase: "final-reply" });
    expect(c.text.transport.destroyed).toBe(true);
  });

  it("the total deadline caps every phase", async () => {
    server = await loopbackServer(answering({}));
    // Long enough that dial's own greeting fits even on a loaded machine; the deadline
    // then falls on the EHLO that the server never answers.
    const c = await dial(server.addr, { timeouts: { total: 1_000 } });
    clients.push(c);
    const err = (await c.noop().catch((e: unknown) => e)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe("hello");
    expect(err.message).toMatch(/total session deadline/);
  });

  it("an implicit-TLS handshake that never completes: TimeoutError in phase tls", async () => {
    server = await loopbackServer(() => {});
    const baseline = openHandles().length;
    const err = await dial(server.addr, { tls: "implicit", timeouts: { connect: 50 } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ phase: "tls" });
    await server.close();
    server = undefined;
    expect(await handlesBackTo(baseline)).toBeLessThanOrEqual(baseline);
  });
});

describe("abort", () => {
  it("an already aborted signal: AbortError before any connection", async () => {
    const err = await dial("127.0.0.1:1", { signal: AbortSignal.abort("no") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ code: "ERR_ABORTED", phase: "connect", cause: "no" });
  });

  it("aborting while a command waits: AbortError (not TimeoutError), cause = reason, socket destroyed", async () => {
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    server = await loopbackServer((socket) => {
      socket.write("220 hi\r\n");
      onLines(socket, () => controller.abort(reason));
    });
    const baseline = openHandles().length;
    const c = await dial(server.addr, { signal: controller.signal });
    clients.push(c);
    const err = (await c.noop().catch((e: unknown) => e)) as AbortError;
    expect(err).toBeInstanceOf(AbortError);
    expect(err).not.toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe("hello");
    expect(err.cause).toBe(reason);
    expect(c.text.transport.destroyed).toBe(true);
    await server.close();
    server = undefined;
    expect(await handlesBackTo(baseline)).toBeLessThanOrEqual(baseline);
  });

  it("aborting during the TLS handshake of dial", async () => {
    const controller = new AbortController();
    server = await loopbackServer(() => controller.abort("stop"));
    const err = await dial(server.addr, { tls: "implicit", signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ phase: "tls", cause: "stop" });
  });

  it("aborting an idle session closes it; the next call is an AbortError", async () => {
    const controller = new AbortController();
    server = await loopbackServer(answering({}));
    const c = await dial(server.addr, { signal: controller.signal });
    clients.push(c);
    controller.abort("bye");
    expect(c.closed).toBe(true);
    expect(c.text.transport.destroyed).toBe(true);
    await expect(c.noop()).rejects.toBeInstanceOf(AbortError);
  });
});

describe("dying servers", () => {
  it("connection refused: ConnectionClosedError in phase connect", async () => {
    const probe = await loopbackServer(() => {});
    const addr = probe.addr;
    await probe.close();
    const err = await dial(addr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({ phase: "connect" });
  });

  it("a server that closes during DATA: ConnectionClosedError, outcome unknown after the dot", async () => {
    server = await loopbackServer((socket) => {
      socket.write("220 hi\r\n");
      onLines(socket, (line) => {
        if (line.startsWith("EHLO")) socket.write("250 mx\r\n");
        else if (line.startsWith("MAIL") || line.startsWith("RCPT")) socket.write("250 ok\r\n");
        else if (line === "DATA") socket.end("354 go ahead\r\n");
      });
    });
    const c = await dial(server.addr);
    clients.push(c);
    await c.mail("a@example.org");
    await c.rcpt("b@example.org");
    const w = await c.data();
    const err = await (async () => {
      await w.write("Subject: x\r\n\r\nbody\r\n");
      return w.close();
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(["data", "final-reply"]).toContain((err as ConnectionClosedError).phase);
    expect(c.closed).toBe(true);
  });

  it("a server that closes before the greeting", async () => {
    server = await loopbackServer((socket) => socket.end());
    const err = await dial(server.addr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).toMatchObject({ phase: "greeting" });
  });

  it("bad addresses are refused before connecting", async () => {
    for (const addr of ["localhost", "host:", "host:99999", "[::1]25", "a:b:25"]) {
      await expect(dial(addr)).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    }
  });

  it('a tls option other than "implicit" is refused before connecting, not taken as plain TCP', async () => {
    let connections = 0;
    server = await loopbackServer(() => connections++);
    for (const tls of [true, "starttls", "TLS", { ca: "x" }]) {
      await expect(dial(server.addr, { tls: tls as unknown as "implicit" })).rejects.toMatchObject({
        code: "ERR_INVALID_ARGUMENT",
        phase: "connect",
      });
    }
    expect(connections).toBe(0);
  });
});

describe("Deadline (one timer for every operation in flight)", () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const pending = <T>() => {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  };

  it("overlapping operations each end at their own deadline; none outlives dispose()", async () => {
    const baseline = timers();
    const d = new Deadline(resolveTimeouts({}), undefined);
    const failed: string[] = [];
    const slow = pending<string>();
    // The later deadline first, then an earlier one: the timer must be re-armed for it.
    const long = d.run(
      "command",
      60_000,
      () => slow.promise,
      (e) => failed.push(String(e.phase)),
    );
    const short = d.run(
      "data",
      20,
      () => new Promise<never>(() => {}),
      (e) => failed.push(String(e.phase)),
    );
    await expect(short).rejects.toMatchObject({ code: "ERR_TIMEOUT", phase: "data" });
    expect(failed).toEqual(["data"]);
    slow.resolve("done");
    await expect(long).resolves.toBe("done");
    d.dispose();
    expect(timers()).toBeLessThanOrEqual(baseline);
  });

  it("a deadline beyond setTimeout's 2^31-1 ms limit does not fire at once", async () => {
    const d = new Deadline(resolveTimeouts({ command: 2 ** 32 }), undefined);
    const op = pending<string>();
    const run = d.run(
      "command",
      2 ** 32,
      () => op.promise,
      () => {},
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    op.resolve("ok");
    await expect(run).resolves.toBe("ok");
    d.dispose();
  });

  it("an abort ends every operation in flight with AbortError naming its phase", async () => {
    const controller = new AbortController();
    const d = new Deadline(resolveTimeouts({}), controller.signal);
    const never = () => new Promise<never>(() => {});
    const a = d.run("command", 60_000, never, () => {});
    const b = d.run("final-reply", 60_000, never, () => {});
    controller.abort(new Error("stop"));
    await expect(a).rejects.toMatchObject({ code: "ERR_ABORTED", phase: "command" });
    await expect(b).rejects.toMatchObject({ code: "ERR_ABORTED", phase: "final-reply" });
    d.dispose();
  });
});
