// LMTP (RFC 2033) against smtp-server in lmtp mode: LHLO, and one reply per accepted
// recipient after the body (RFC 2033 §4.2).

import { describe, expect, it } from "vitest";
import { type Client, dial, RecipientsRefusedError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import {
  type DataReply,
  replyError,
  startServer,
  type TestServerOptions,
} from "./helpers/server.js";

const defer = useCleanup();

async function setup(dataReply?: TestServerOptions["dataReply"], extra: TestServerOptions = {}) {
  const server = await startServer({
    lmtp: true,
    hideENHANCEDSTATUSCODES: false,
    ...(dataReply === undefined ? {} : { dataReply }),
    ...extra,
  });
  defer(() => server.close());
  const client: Client = await dial(server.address, { localName: "client.test", lmtp: true });
  defer(() => client.close());
  return { server, client };
}

describe("LMTP", () => {
  it("greets with LHLO and gets one reply per recipient", async () => {
    const { server, client } = await setup();
    const result = await client.send(
      { from: "a@example.org", to: ["b@example.org", "c@example.org"] },
      "lmtp body\r\n",
    );
    expect(server.commands[0]).toBe("LHLO client.test");
    expect(server.commands).not.toContain("EHLO client.test");
    expect(result.lmtp?.map((r) => [r.address, r.ok, r.reply.code])).toEqual([
      ["b@example.org", true, 250],
      ["c@example.org", true, 250],
    ]);
    expect(server.messages[0]!.body.toString()).toBe("lmtp body\r\n");
    await client.quit();
  });

  it("reports a per-recipient delivery failure after the body", async () => {
    const perRecipient = (): DataReply => [
      // smtp-server puts its own enhanced code (2.6.0) in front of a success text.
      "delivered to b",
      replyError(452, "4.2.2 mailbox of c is full"),
      replyError(550, "5.1.1 d has gone away"),
    ];
    const { client } = await setup(perRecipient);
    const result = await client
      .send(
        { from: "a@example.org", to: ["b@example.org", "c@example.org", "d@example.org"] },
        "x\r\n",
      )
      .catch((e: unknown) => e);
    // Whether a partial LMTP failure resolves or rejects, every recipient's outcome is there.
    const outcomes =
      result instanceof RecipientsRefusedError
        ? result.recipients
        : (
            result as {
              lmtp?: {
                address: string;
                ok: boolean;
                reply: { code: number; enhancedCode: string | undefined };
              }[];
            }
          ).lmtp;
    expect(outcomes?.map((r) => [r.address, r.ok, r.reply.code, r.reply.enhancedCode])).toEqual([
      ["b@example.org", true, 250, "2.6.0"],
      ["c@example.org", false, 452, "4.2.2"],
      ["d@example.org", false, 550, "5.1.1"],
    ]);
  });

  it("reads replies only for the recipients accepted at RCPT time", async () => {
    const { server, client } = await setup(undefined, {
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith("nobody")) callback(replyError(550, "5.1.1 unknown"));
        else callback();
      },
    });
    const result = await client.send(
      {
        from: "a@example.org",
        to: ["b@example.org", "nobody@example.org", "c@example.org"],
        onRecipientRefused: "continue",
      },
      "x\r\n",
    );
    expect(result.rejected.map((r) => r.address)).toEqual(["nobody@example.org"]);
    expect(result.lmtp?.map((r) => r.address)).toEqual(["b@example.org", "c@example.org"]);
    // The session stays in step: a second transaction works.
    const again = await client.send({ from: "a@example.org", to: ["b@example.org"] }, "y\r\n");
    expect(again.lmtp?.map((r) => r.reply.code)).toEqual([250]);
    expect(server.messages.map((m) => m.body.toString())).toEqual(["x\r\n", "y\r\n"]);
  });

  it("reads one reply per recipient after data().close() and stays in step", async () => {
    const { server, client } = await setup();
    await client.mail("a@example.org");
    await client.rcpt("b@example.org");
    await client.rcpt("c@example.org");
    const writer = await client.data();
    await writer.write("by hand\r\n");
    const reply = await writer.close();
    expect(reply.code).toBe(250);
    // Had a per-recipient reply been left unread, NOOP would get it instead of its own.
    await client.noop();
    await client.mail("a@example.org");
    await client.rcpt("d@example.org");
    const second = await client.data();
    await second.write("again\r\n");
    expect((await second.close()).code).toBe(250);
    await client.quit();
    expect(server.messages.map((m) => [m.rcptTo.map((r) => r.address), m.body.toString()])).toEqual(
      [
        [["b@example.org", "c@example.org"], "by hand\r\n"],
        [["d@example.org"], "again\r\n"],
      ],
    );
    expect(server.commands.at(-1)).toBe("QUIT");
  });
});
