// A POP3 session (RFC 1939) driven only through @smtp/textproto against a real
// node:net server: the layer knows nothing of SMTP. POP3 replies are "+OK" /
// "-ERR" lines, not NNN codes, so this uses readLine, writeLine and the dot
// readers directly (RFC 1939 §3: multi-line responses are dot-stuffed).

import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Conn } from "../src/index.js";
import { listen, onLines } from "./helpers.js";

// The server script: each client line and the exact bytes the server answers.
const MESSAGE =
  "From: a@example.org\r\nSubject: hi\r\n\r\nfirst line\r\n..a line that starts with a dot\r\nlast\r\n";
const SCRIPT: Record<string, string> = {
  "USER alice": "+OK alice is known\r\n",
  "PASS secret": "+OK maildrop has 2 messages (320 octets)\r\n",
  STAT: "+OK 2 320\r\n",
  "RETR 1": `+OK ${MESSAGE.length} octets\r\n${MESSAGE}.\r\n`,
  LIST: "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n",
  QUIT: "+OK dewey POP3 server signing off\r\n",
};

let server: Awaited<ReturnType<typeof listen>>;
const received: string[] = [];

beforeAll(async () => {
  server = await listen((socket) => {
    socket.write("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
    onLines(socket, (line) => {
      received.push(line);
      const answer = SCRIPT[line] ?? "-ERR unknown command\r\n";
      if (line === "QUIT") socket.end(answer);
      else socket.write(answer);
    });
  });
});
afterAll(() => server.close());

async function dial(): Promise<Socket> {
  const socket = connect(server.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** POP3's command/answer: one line out, one status line back. */
async function command(conn: Conn, line: string): Promise<string> {
  conn.writer.writeLine(line);
  await conn.flush();
  const status = await conn.reader.readLine();
  if (!status.startsWith("+OK")) throw new Error(`POP3: ${status}`);
  return status;
}

describe("POP3 over @smtp/textproto", () => {
  it("greeting, USER/PASS, STAT, a dot-stuffed RETR, LIST, QUIT", async () => {
    const conn = new Conn(await dial());
    expect(await conn.reader.readLine()).toMatch(/^\+OK POP3 server ready/);
    expect(await command(conn, "USER alice")).toBe("+OK alice is known");
    expect(await command(conn, "PASS secret")).toBe("+OK maildrop has 2 messages (320 octets)");
    expect(await command(conn, "STAT")).toBe("+OK 2 320");

    expect(await command(conn, "RETR 1")).toBe(`+OK ${MESSAGE.length} octets`);
    // The dot-stuffed line comes back with one dot; the bytes are the message as stored.
    const body = Buffer.from(await conn.reader.readDotBytes()).toString("latin1");
    expect(body).toBe(MESSAGE.replace("..a line", ".a line"));

    expect(await command(conn, "LIST")).toBe("+OK 2 messages");
    expect(await conn.reader.readDotLines()).toEqual(["1 120", "2 200"]);

    const unknown = await command(conn, "TOP 1 0").catch((e: Error) => e.message);
    expect(unknown).toBe("POP3: -ERR unknown command");

    expect(await command(conn, "QUIT")).toBe("+OK dewey POP3 server signing off");
    await conn.close();
    expect(received).toEqual([
      "USER alice",
      "PASS secret",
      "STAT",
      "RETR 1",
      "LIST",
      "TOP 1 0",
      "QUIT",
    ]);
  });

  it("RETR streamed through dotReader", async () => {
    const conn = new Conn(await dial());
    await conn.reader.readLine();
    await command(conn, "USER alice");
    await command(conn, "PASS secret");
    await command(conn, "RETR 1");
    const chunks: Buffer[] = [];
    for await (const chunk of conn.reader.dotReader()) chunks.push(Buffer.from(chunk));
    expect(Buffer.concat(chunks).toString("latin1")).toBe(MESSAGE.replace("..a line", ".a line"));
    await command(conn, "QUIT");
    await conn.close();
  });
});
