// Failures against the real smtp-server: the caller aborts in the middle of a body, the
// server shuts down under an idle session. Typed errors, nothing delivered that should
// not be, no unhandled rejection (vitest fails the run on one), nothing left open.

import { describe, expect, it } from "vitest";
import { AbortError, type Client, dial, SmtpError, TimeoutError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { startServer } from "./helpers/server.js";

const defer = useCleanup();

describe("failures on a real server", () => {
  // The body source below stalls after its first chunk, as a slow upload or a stuck
  // generator would. The abort (or deadline) must settle send() anyway; a 20 s test
  // timeout turns a hang into a failure sooner than the default 60 s.
  it("aborting in the middle of a body: AbortError, the socket is gone, nothing is delivered", {
    timeout: 20_000,
  }, async () => {
    const server = await startServer();
    defer(() => server.close());
    const controller = new AbortController();
    const client: Client = await dial(server.address, {
      localName: "client.test",
      signal: controller.signal,
    });
    defer(() => client.close());
    const reason = new Error("the caller changed its mind");
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    defer(() => release());
    async function* body() {
      yield "first half of the message\r\n";
      controller.abort(reason);
      await blocked; // the rest never comes
      yield "second half\r\n";
    }
    const error = await client
      .send({ from: "a@example.org", to: ["b@example.org"] }, body())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe("ERR_ABORTED");
    expect((error as AbortError).cause).toBe(reason);
    expect(client.closed).toBe(true);
    // The server saw DATA but never the final dot: no message.
    await server.close();
    expect(server.commands).toContain("DATA");
    expect(server.messages).toEqual([]);
  });

  it("the total deadline settles send() while the body source is stalled", {
    timeout: 20_000,
  }, async () => {
    const server = await startServer();
    defer(() => server.close());
    const client: Client = await dial(server.address, {
      localName: "client.test",
      timeouts: { total: 2_000 },
    });
    defer(() => client.close());
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    defer(() => release());
    async function* body() {
      yield "first half\r\n";
      await blocked;
      yield "second half\r\n";
    }
    const error = await client
      .send({ from: "a@example.org", to: ["b@example.org"] }, body())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(client.closed).toBe(true);
    await server.close();
    expect(server.messages).toEqual([]);
  });

  it("a server shutting down under an idle session: the next command fails typed", async () => {
    const server = await startServer({ closeTimeout: 10 } as never);
    defer(() => server.close());
    const client: Client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    await client.noop();
    // smtp-server says "421 Server shutting down" and closes the connection.
    await server.close();
    const error = await client.noop().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpError);
    // A later call fails the same way instead of hanging.
    await expect(client.mail("a@example.org")).rejects.toThrow(SmtpError);
  });
});
