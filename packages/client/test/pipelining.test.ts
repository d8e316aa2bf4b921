// PIPELINING (RFC 2920) proved by a server that holds a reply back: a client that waited
// for the held reply before writing the next command would stall, so these pass only
// when the commands really went out without waiting. A stall fails through the client's
// own command timeout (no wall-clock assertion here).

import { describe, expect, it } from "vitest";
import { type Client, dial, SmtpReplyError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { type ScriptedServerOptions, startScriptedServer } from "./helpers/scripted-server.js";
import { replyError, startServer } from "./helpers/server.js";

const defer = useCleanup();

async function setup(options: ScriptedServerOptions) {
  const server = await startScriptedServer(options);
  defer(() => server.close());
  const client: Client = await dial(server.address, {
    localName: "client.test",
    // A non-pipelining client waits here for a reply that never comes.
    timeouts: { command: 10_000, finalReply: 10_000 },
  });
  defer(() => client.close());
  return { server, client };
}

describe("PIPELINING", () => {
  it("writes MAIL, every RCPT and DATA without waiting for a reply", async () => {
    const { server, client } = await setup({
      extensions: ["PIPELINING", "8BITMIME"],
      hold: { after: "MAIL", until: "DATA" },
    });
    const result = await client.send(
      {
        from: "a@example.org",
        to: ["b@example.org", "c@example.org", "d@example.org"],
        onRecipientRefused: "continue",
      },
      "pipelined\r\n",
    );
    expect(result.accepted).toEqual(["b@example.org", "c@example.org", "d@example.org"]);
    expect(server.commands).toEqual([
      "EHLO client.test",
      "MAIL FROM:<a@example.org> BODY=8BITMIME",
      "RCPT TO:<b@example.org>",
      "RCPT TO:<c@example.org>",
      "RCPT TO:<d@example.org>",
      "DATA",
    ]);
    expect(server.messages[0]!.body.toString()).toBe("pipelined\r\n");
  });

  it("puts DATA in the batch for a single recipient in the default mode", async () => {
    const { server, client } = await setup({
      extensions: ["PIPELINING"],
      hold: { after: "MAIL", until: "DATA" },
    });
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "one\r\n");
    expect(server.messages.map((m) => m.body.toString())).toEqual(["one\r\n"]);
  });

  it('in "abort" mode with several recipients, pipelines MAIL and RCPTs and waits before DATA', async () => {
    // A 354 cannot be taken back without delivering, so DATA waits for the RCPT replies
    // when a refusal must abort (docs/client-api.md: fails "before DATA").
    const { server, client } = await setup({
      extensions: ["PIPELINING"],
      hold: { after: "MAIL", until: "RCPT" },
    });
    await client.send({ from: "a@example.org", to: ["b@example.org", "c@example.org"] }, "x\r\n");
    expect(server.commands.slice(1)).toEqual([
      "MAIL FROM:<a@example.org>",
      "RCPT TO:<b@example.org>",
      "RCPT TO:<c@example.org>",
      "DATA",
    ]);
    // DATA arrived after the replies to EHLO, MAIL and both RCPTs had been written.
    expect(server.repliesBefore[4]).toBe(4);
    expect(server.messages).toHaveLength(1);
  });

  it("lets the final dot share a write with the next transaction's MAIL", async () => {
    const { server, client } = await setup({
      extensions: ["PIPELINING"],
      hold: { after: ".", until: "MAIL" },
    });
    const envelope = (i: number) => ({ from: "a@example.org", to: [`r${i}@example.org`] });
    const results = await Promise.all([
      client.send(envelope(1), "first\r\n"),
      client.send(envelope(2), "second\r\n"),
    ]);
    expect(results.map((r) => r.reply.code)).toEqual([250, 250]);
    expect(server.messages.map((m) => [m.to, m.body.toString()])).toEqual([
      [["r1@example.org"], "first\r\n"],
      [["r2@example.org"], "second\r\n"],
    ]);
  });

  it("maps each reply to its command when one RCPT in the batch is refused", async () => {
    const { server, client } = await setup({
      extensions: ["PIPELINING", "ENHANCEDSTATUSCODES"],
      refuse: ["nobody@example.org"],
      hold: { after: "MAIL", until: "DATA" },
    });
    const result = await client.send(
      {
        from: "a@example.org",
        to: ["nobody@example.org", "b@example.org"],
        onRecipientRefused: "continue",
      },
      "x\r\n",
    );
    expect(result.recipients.map((r) => [r.address, r.reply.code, r.reply.enhancedCode])).toEqual([
      ["nobody@example.org", 550, "5.1.1"],
      ["b@example.org", 250, "2.1.5"],
    ]);
    expect(server.messages.map((m) => m.to)).toEqual([["b@example.org"]]);
  });

  it("sends the commands one by one when PIPELINING is not advertised", async () => {
    const { server, client } = await setup({ extensions: ["8BITMIME"] });
    await client.send({ from: "a@example.org", to: ["b@example.org"] }, "x\r\n");
    expect(server.commands.slice(1)).toEqual([
      "MAIL FROM:<a@example.org> BODY=8BITMIME",
      "RCPT TO:<b@example.org>",
      "DATA",
    ]);
    // Lock-step: each command arrived only after the reply to the one before.
    expect(server.repliesBefore).toEqual([0, 1, 2, 3]);
    expect(server.messages).toHaveLength(1);
  });
});

describe("back-to-back transactions on smtp-server", () => {
  it("keeps replies matched when the first message is refused after its dot", async () => {
    const server = await startServer({
      hideENHANCEDSTATUSCODES: false,
      dataReply: (m) =>
        m.body.toString().startsWith("spam") ? replyError(554, "no spam") : undefined,
    });
    defer(() => server.close());
    const client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    const envelope = { from: "a@example.org", to: ["b@example.org"] };
    const [first, second, third] = await Promise.allSettled([
      client.send(envelope, "spam spam\r\n"),
      client.send(envelope, "ham\r\n"),
      client.send(envelope, "spam again\r\n"),
    ]);
    expect(first.status).toBe("rejected");
    const refusal = (first as PromiseRejectedResult).reason as SmtpReplyError;
    expect(refusal).toBeInstanceOf(SmtpReplyError);
    expect(refusal.replyCode).toBe(554);
    expect(refusal.message).toContain("no spam");
    expect(second.status).toBe("fulfilled");
    expect((second as PromiseFulfilledResult<{ reply: { code: number } }>).value.reply.code).toBe(
      250,
    );
    expect(third.status).toBe("rejected");
    await client.noop();
    expect(server.messages.map((m) => m.body.toString())).toEqual([
      "spam spam\r\n",
      "ham\r\n",
      "spam again\r\n",
    ]);
  });
});
