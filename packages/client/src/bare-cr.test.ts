// A bare CR in a DATA body (ClientOptions.bareCr). RFC 5321 §2.3.8: a client MUST NOT
// send CR or LF except as CRLF. A server that takes a bare CR as a line end would read
// a body's "<CR>.<CRLF>" as the end of the data and run what follows as commands (SMTP
// smuggling, 2023), so by default a bare CR goes out as CRLF and a dot after it is
// doubled (RFC 5321 §4.5.2). Transcripts: the exact bytes the client writes.
import { DotDecoder, DotEncoder } from "@smtp/textproto";
import { describe, expect, it } from "vitest";
import { Client } from "./client.js";
import { knownSize } from "./data-writer.js";
import { InvalidArgumentError } from "./errors.js";
import { crlf, ScriptedTransport, scriptedSessions } from "./test-util.js";

const session = scriptedSessions();

const PIPELINING_SIZE = "220 hi\n250-mx\n250-PIPELINING\n250 SIZE 1000\n";
const ACCEPTED = "250 ok\n250 ok\n354 go\n250 queued\n";
const SMUGGLED = "\r.\r\nRSET\r\n";
const envelope = { from: "a@example.org", to: ["b@example.org"] };

/** What the client wrote after DATA: the body and its terminator. */
function afterData(written: string): string {
  return written.slice(written.indexOf("DATA\r\n") + "DATA\r\n".length);
}

describe("send(): a bare CR in the body", () => {
  it("by default goes out as CRLF: the dot after it is doubled, the data does not end early", async () => {
    const { c, writes } = await session(PIPELINING_SIZE + ACCEPTED);
    await c.send(envelope, SMUGGLED);
    // The server stores "\r\n.\r\nRSET\r\n" (11 octets): SIZE declares exactly that.
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<a@example.org> SIZE=11\nRCPT TO:<b@example.org>\nDATA\n"),
      "\r\n..\r\nRSET\r\n.\r\n",
    ]);
  });

  it('with bareCr: "pass" goes out as it is (Go\'s behaviour)', async () => {
    const { c, writes } = await session(PIPELINING_SIZE + ACCEPTED, "fake.host", {
      bareCr: "pass",
    });
    await c.send(envelope, SMUGGLED);
    expect(writes()).toEqual([
      "EHLO localhost\r\n",
      crlf("MAIL FROM:<a@example.org> SIZE=10\nRCPT TO:<b@example.org>\nDATA\n"),
      "\r.\r\nRSET\r\n.\r\n",
    ]);
  });

  it("is made CRLF when it ends one chunk of a stream and a dot starts the next", async () => {
    const { t, c } = await session(`220 hi\n250-mx\n250 PIPELINING\n${ACCEPTED}`);
    await c.send(
      envelope,
      (async function* () {
        yield "a\r";
        yield ".\r\nRSET\r";
        yield "\n";
      })(),
    );
    expect(afterData(t.written)).toBe("a\r\n..\r\nRSET\r\n.\r\n");
  });

  it("is sent as it is with BDAT: binary-clean, the length is declared, nothing can end early", async () => {
    const { c, writes } = await session(
      "220 hi\n250-mx\n250-PIPELINING\n250 CHUNKING\n250 ok\n250 ok\n250 done\n",
    );
    await c.send({ ...envelope, chunking: true }, SMUGGLED);
    expect(writes()[2]).toBe(`BDAT 10 LAST\r\n${SMUGGLED}`);
  });
});

describe("data(): a bare CR in the body", () => {
  const server = "220 hi\n250 mx\n250 ok\n250 ok\n354 go\n250 queued\n";

  it("by default goes out as CRLF, also across write() boundaries", async () => {
    const { t, c } = await session(server);
    await c.mail("a@example.org");
    await c.rcpt("b@example.org");
    const w = await c.data();
    await w.write("x\r");
    await w.write(SMUGGLED);
    await w.write("end\r");
    expect((await w.close()).code).toBe(250);
    expect(afterData(t.written)).toBe("x\r\n\r\n..\r\nRSET\r\nend\r\n.\r\n");
  });

  it('with bareCr: "pass" goes out as it is', async () => {
    const { t, c } = await session(server, "fake.host", { bareCr: "pass" });
    await c.mail("a@example.org");
    await c.rcpt("b@example.org");
    const w = await c.data();
    await w.write(SMUGGLED);
    await w.close();
    expect(afterData(t.written)).toBe(`${SMUGGLED}.\r\n`);
  });
});

describe("the bareCr option is checked before anything is written", () => {
  it.each([["lf"], ["CRLF"], [true], [null]])("%s", async (value) => {
    const t = new ScriptedTransport("220 hi\n");
    const error = await Client.create(t, "fake.host", {
      bareCr: value as unknown as "crlf",
    }).catch((e: unknown) => e);
    t.destroy();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).code).toBe("ERR_INVALID_ARGUMENT");
    expect((error as Error).message).toBe('bareCr must be "crlf" or "pass"');
    expect(t.writes).toEqual([]);
  });
});

describe("knownSize: the SIZE declared equals the octets the server stores (RFC 1870 §3)", () => {
  /** Encodes `body` as DATA would and decodes it as a server would: what it stores. */
  function stored(body: string, bareCr: "crlf" | "pass"): number {
    const encoder = new DotEncoder({ bareCr });
    const wire = Buffer.concat([encoder.encode(Buffer.from(body, "latin1")), encoder.end()]);
    const decoded = new DotDecoder().decode(wire);
    expect(decoded.done).toBe(true);
    return decoded.data.length;
  }

  const bodies = [
    "",
    "\r",
    "\r\r",
    "a\rb",
    "\r.\r\n",
    "\r.",
    "x\r\r\n",
    "a\r",
    "a\n\r\n\r",
    ".\r.\n.\r\n..",
    "no line end",
    SMUGGLED,
  ];

  it.each(bodies)('"crlf": %j', (body) => {
    expect(knownSize(body, false, "crlf")).toBe(stored(body, "crlf"));
  });

  it.each(bodies)('"pass": %j', (body) => {
    expect(knownSize(body, false, "pass")).toBe(stored(body, "pass"));
  });

  it("BDAT: the bytes as they are", () => {
    expect(knownSize("a\rb\n", true, "crlf")).toBe(4);
  });
});
