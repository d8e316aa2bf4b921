// A bare CR in a DATA body against the npm smtp-server on loopback (ClientOptions.bareCr;
// RFC 5321 §2.3.8, SMTP smuggling): what the server stores has no bare CR, and the SIZE
// declared is exactly the number of octets it stores (RFC 1870 §3).

import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type Client, type DialOptions, dial } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { startServer } from "./helpers/server.js";

const defer = useCleanup();

async function setup(options: DialOptions = {}) {
  const server = await startServer({ size: 100_000 });
  defer(() => server.close());
  const client: Client = await dial(server.address, { localName: "client.test", ...options });
  defer(() => client.close());
  return { server, client };
}

const envelope = { from: "a@example.org", to: ["b@example.org"] };

// Bare CRs everywhere DATA could trip on them: before a dot, before CRLF, doubled, last.
const BODY = "Subject: x\r\n\r\nhi\r.\r\nRSET\r\nb\r\r\nc\r\rd\n.\re\r";

/** Positions of the CRs not followed by LF. */
function bareCrs(bytes: Buffer): number[] {
  const at: number[] = [];
  for (let i = bytes.indexOf(0x0d); i !== -1; i = bytes.indexOf(0x0d, i + 1)) {
    if (bytes[i + 1] !== 0x0a) at.push(i);
  }
  return at;
}

/** The body with every bare CR and bare LF made CRLF, and its last line ended. */
function normalised(body: string): string {
  const text = body.replace(/\r(?!\n)/g, "\r\n").replace(/(?<!\r)\n/g, "\r\n");
  return text.endsWith("\r\n") ? text : `${text}\r\n`;
}

describe("bare CR in a DATA body, against smtp-server", () => {
  it("send(): stored without a bare CR, one message, and SIZE equal to the stored octets", async () => {
    const { server, client } = await setup();
    const result = await client.send(envelope, BODY);
    expect(result.reply.code).toBe(250);
    expect(server.messages).toHaveLength(1);
    const stored = server.messages[0]!.body;
    expect(bareCrs(stored)).toEqual([]);
    expect(stored.toString("latin1")).toBe(normalised(BODY));
    expect(server.commands).toEqual([
      "EHLO client.test",
      `MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 SIZE=${stored.length}`,
      "RCPT TO:<b@example.org>",
      "DATA",
    ]);
  });

  it("send() with a stream split at every CR: the same bytes stored", async () => {
    const { server, client } = await setup();
    const chunks = BODY.split(/(?<=\r)/).map((c) => Buffer.from(c, "latin1"));
    expect(chunks.length).toBeGreaterThan(5);
    await client.send(envelope, Readable.from(chunks));
    const stored = server.messages[0]!.body;
    expect(bareCrs(stored)).toEqual([]);
    expect(stored.toString("latin1")).toBe(normalised(BODY));
  });

  it("data(): a CR at the end of one write and a dot at the start of the next", async () => {
    const { server, client } = await setup();
    await client.mail("a@example.org");
    await client.rcpt("b@example.org");
    const w = await client.data();
    await w.write("one\r");
    await w.write(".two\r");
    await w.write("\nthree\r");
    expect((await w.close()).code).toBe(250);
    const stored = server.messages[0]!.body;
    expect(bareCrs(stored)).toEqual([]);
    expect(stored.toString("latin1")).toBe("one\r\n.two\r\nthree\r\n");
  });

  it('bareCr: "pass" sends them as they are (smtp-server ends DATA only at CRLF.CRLF, so stores them)', async () => {
    const { server, client } = await setup({ bareCr: "pass" });
    await client.send(envelope, "hi\r.\r\nx\r\n");
    const stored = server.messages[0]!.body;
    expect(stored.toString("latin1")).toBe("hi\r.\r\nx\r\n");
    expect(bareCrs(stored)).toEqual([2]);
    expect(server.commands[1]).toBe(
      `MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 SIZE=${stored.length}`,
    );
  });
});
