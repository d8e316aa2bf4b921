// Go's session rules against real servers: HELO fallback, VRFY accepting only 250, the
// BODY parameter, the transcript hook, AsyncDisposable; and the MAIL parameters of the
// extensions smtp-server does not know (MT-PRIORITY, DELIVERBY) on a scripted server.

import { describe, expect, it } from "vitest";
import { type Client, dial, ExtensionNotSupportedError, SmtpReplyError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { startScriptedServer } from "./helpers/scripted-server.js";
import { startServer, type TestServerOptions } from "./helpers/server.js";

const defer = useCleanup();

async function setup(options: TestServerOptions = {}, lines?: string[]) {
  const server = await startServer(options);
  defer(() => server.close());
  const client: Client = await dial(server.address, {
    localName: "client.test",
    ...(lines === undefined ? {} : { onLine: (d: string, l: string) => lines.push(`${d}: ${l}`) }),
  });
  defer(() => client.close());
  return { server, client };
}

describe("hello", () => {
  it("falls back to HELO when EHLO is refused, and then knows no extension", async () => {
    const { server, client } = await setup({ disabledCommands: ["EHLO"] });
    expect(await client.extension("8BITMIME")).toEqual([false, ""]);
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "via HELO\r\n");
    expect(server.commands.slice(0, 3)).toEqual([
      "EHLO client.test",
      "HELO client.test",
      "MAIL FROM:<a@example.org>",
    ]);
    expect(server.messages[0]!.body.toString()).toBe("via HELO\r\n");
  });

  it("uses the name given to hello()", async () => {
    const { server, client } = await setup();
    await client.hello("mx.client.example");
    await client.noop();
    expect(server.commands).toEqual(["EHLO mx.client.example", "NOOP"]);
  });
});

describe("Go's command rules against smtp-server", () => {
  it("rcpt does not trigger EHLO (Go's Rcpt): the server sees RCPT first and refuses it", async () => {
    const { server, client } = await setup();
    const error = await client.rcpt("b@example.org").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(503);
    expect(server.commands).toEqual(["RCPT TO:<b@example.org>"]);
  });

  it("a nested MAIL is refused by the server, reset() clears the transaction", async () => {
    const { server, client } = await setup();
    await client.mail("a@example.org");
    await expect(client.mail("a@example.org")).rejects.toThrow(SmtpReplyError);
    await client.reset();
    await client.mail("c@example.org");
    await client.rcpt("d@example.org");
    const writer = await client.data();
    await writer.write("after RSET\r\n");
    await writer.close();
    expect(server.commands).toContain("RSET");
    expect(server.messages.map((m) => [m.mailFrom.address, m.body.toString()])).toEqual([
      ["c@example.org", "after RSET\r\n"],
    ]);
  });
});

describe("verify", () => {
  it("accepts only 250: smtp-server's 252 is an error (Go's Verify)", async () => {
    const { server, client } = await setup();
    const error = await client.verify("bob@example.org").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(252);
    expect(server.commands).toContain("VRFY bob@example.org");
  });
});

describe("BODY (RFC 6152)", () => {
  it("sends BODY=7BIT or BODY=8BITMIME as asked and the server records it", async () => {
    const { server, client } = await setup();
    await client.send(
      { from: "a@example.org", to: ["b@example.org"], mailOptions: { body: "7BIT" } },
      "seven bit\r\n",
    );
    await client.send(
      { from: "a@example.org", to: ["b@example.org"], mailOptions: { body: "8BITMIME" } },
      "eight bit \u00e9\r\n",
    );
    expect(server.messages.map((m) => m.bodyType)).toEqual(["7bit", "8bitmime"]);
  });

  it("refuses BODY=8BITMIME locally when the server does not advertise 8BITMIME", async () => {
    const { server, client } = await setup({ hide8BITMIME: true });
    await expect(client.mail("a@example.org", { body: "8BITMIME" })).rejects.toThrow(
      ExtensionNotSupportedError,
    );
    // Go's rule still applies: without 8BITMIME no BODY parameter at all.
    await client.mail("a@example.org");
    expect(server.commands.slice(1)).toEqual(["MAIL FROM:<a@example.org> SMTPUTF8"]);
  });
});

describe("the transcript hook", () => {
  it("sees every line in both directions", async () => {
    const lines: string[] = [];
    const { client } = await setup({}, lines);
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "body line\r\n");
    await client.quit();
    expect(lines[0]).toMatch(/^server: 220 /);
    expect(lines).toContain("client: EHLO client.test");
    expect(lines).toContain("client: MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8");
    expect(lines).toContain("client: RCPT TO:<b@example.org>");
    expect(lines).toContain("client: DATA");
    expect(lines.some((l) => l.startsWith("server: 354"))).toBe(true);
    expect(lines).toContain("client: QUIT");
    expect(lines.some((l) => l.startsWith("server: 221"))).toBe(true);
  });
});

describe("AsyncDisposable", () => {
  it("closes the connection when disposed", async () => {
    const { client } = await setup();
    await client.noop();
    await client[Symbol.asyncDispose]();
    expect(client.closed).toBe(true);
    // Idempotent.
    await client.close();
    expect(client.closed).toBe(true);
  });
});

describe("MT-PRIORITY (RFC 6710) and DELIVERBY (RFC 2852) on the wire", () => {
  it("adds the parameters in order when advertised", async () => {
    const server = await startScriptedServer({
      extensions: ["PIPELINING", "MT-PRIORITY MIXER", "DELIVERBY 60", "SIZE 100000"],
    });
    defer(() => server.close());
    const client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    await client.send(
      {
        from: "a@example.org",
        to: ["b@example.org"],
        mailOptions: { mtPriority: -3, deliverBy: { seconds: 120, mode: "R", trace: true } },
      },
      "12345\r\n",
    );
    // SIZE is declared by send() for a body of known size (RFC 1870 §3).
    expect(server.commands[1]).toBe("MAIL FROM:<a@example.org> SIZE=7 MT-PRIORITY=-3 BY=120;RT");
  });

  it("refuses them locally when not advertised", async () => {
    const server = await startScriptedServer({ extensions: ["PIPELINING"] });
    defer(() => server.close());
    const client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    await expect(client.mail("a@example.org", { mtPriority: 1 })).rejects.toThrow("MT-PRIORITY");
    await expect(
      client.mail("a@example.org", { deliverBy: { seconds: 10, mode: "N" } }),
    ).rejects.toThrow("DELIVERBY");
    expect(server.commands).toEqual(["EHLO client.test"]);
  });
});

describe("dial addresses", () => {
  it('connects to an IPv6 literal given as "[::1]:port"', async () => {
    const server = await startServer({ listenHost: "::1" });
    defer(() => server.close());
    expect(server.address).toMatch(/^\[::1\]:\d+$/);
    const client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "over IPv6\r\n");
    expect(server.messages[0]!.body.toString()).toBe("over IPv6\r\n");
  });

  it("connects by host name", async () => {
    const server = await startServer();
    defer(() => server.close());
    const client = await dial(`localhost:${server.port}`, { localName: "client.test" });
    defer(() => client.close());
    await client.noop();
    expect(server.commands).toEqual(["EHLO client.test", "NOOP"]);
  });
});
