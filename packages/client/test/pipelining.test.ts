// PIPELINING (RFC 2920) proved by a server that holds a reply back: a client that waited
// for the held reply before writing the next command would stall, so these pass only
// when the commands really went out without waiting. A stall fails through the client's
// own command timeout (no wall-clock assertion here).

import { describe, expect, it } from "vitest";
import { type Client, dial, RecipientsRefusedError, SmtpReplyError } from "../src/index.js";
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

// Issue 6, "correctness stays first": five messages in flight on one connection, each to
// three recipients; the server refuses only the second RCPT of the third message. Every
// reply must land on its own message and recipient: nothing shifts onto the messages
// after it, and the stored messages are exactly the ones reported as sent.
describe("PIPELINING with several messages in flight", () => {
  const RECIPIENTS = ["r1@example.org", "r2@example.org", "r3@example.org"];

  async function refusingServer() {
    let mailCount = 0;
    let rcptInMessage = 0;
    const server = await startServer({
      hideENHANCEDSTATUSCODES: false,
      onMailFrom(_address, _session, callback) {
        mailCount++;
        rcptInMessage = 0;
        callback();
      },
      onRcptTo(_address, _session, callback) {
        rcptInMessage++;
        if (mailCount === 3 && rcptInMessage === 2) callback(replyError(550, "5.1.1 no such user"));
        else callback();
      },
    });
    defer(() => server.close());
    const client = await dial(server.address, { localName: "client.test" });
    defer(() => client.close());
    return { server, client };
  }

  const bodies = [1, 2, 3, 4, 5].map((n) => `Subject: message ${n}\r\n\r\nbody ${n}\r\n`);

  it('"continue": message 3 goes to r1 and r3 and reports r2 refused; the others go to all three', async () => {
    const { server, client } = await refusingServer();
    const results = await Promise.all(
      bodies.map((body) =>
        client.send(
          { from: "a@example.org", to: RECIPIENTS, onRecipientRefused: "continue" },
          body,
        ),
      ),
    );
    results.forEach((result, i) => {
      const refused = i === 2 ? ["r2@example.org"] : [];
      expect(result.rejected.map((r) => r.address)).toEqual(refused);
      expect(result.accepted).toEqual(RECIPIENTS.filter((r) => !refused.includes(r)));
      expect(result.reply.code).toBe(250);
    });
    expect(results[2]!.rejected[0]!.reply).toMatchObject({ code: 550, enhancedCode: "5.1.1" });
    expect(server.messages.map((m) => [m.body.toString(), m.rcptTo.map((r) => r.address)])).toEqual(
      bodies.map((body, i) => [body, i === 2 ? ["r1@example.org", "r3@example.org"] : RECIPIENTS]),
    );
  });

  it('"abort" (the default): only message 3 fails, naming r2; the four others are stored and nothing else', async () => {
    const { server, client } = await refusingServer();
    const outcomes = await Promise.allSettled(
      bodies.map((body) => client.send({ from: "a@example.org", to: RECIPIENTS }, body)),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    const error = (outcomes[2] as PromiseRejectedResult).reason as RecipientsRefusedError;
    expect(error).toBeInstanceOf(RecipientsRefusedError);
    expect(error.command).toBe("RCPT TO:<r2@example.org>");
    expect(error.recipients.filter((r) => !r.ok).map((r) => [r.address, r.reply.code])).toEqual([
      ["r2@example.org", 550],
    ]);
    expect(server.messages.map((m) => m.body.toString())).toEqual([
      bodies[0],
      bodies[1],
      bodies[3],
      bodies[4],
    ]);
    // The session is still in step afterwards.
    await client.noop();
  });
});
