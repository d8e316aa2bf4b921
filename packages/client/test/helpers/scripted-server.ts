// A small scripted ESMTP server with CHUNKING (RFC 3030), on 127.0.0.1:0.
//
// Why it exists: the npm `smtp-server` (3.21.6) has no BDAT command (its source in
// node_modules/smtp-server/dist/esm/smtp-connection.js has no handler_BDAT and says
// "BINARYMIME is not supported as it requires BDAT command"), so CHUNKING is tested here;
// so are the extensions smtp-server does not know (MT-PRIORITY, DELIVERBY) and the
// pipelining order, which needs a server that can hold a reply back.
//
//   startScriptedServer(options?): Promise<ScriptedServer>
//     options.extensions  the EHLO keywords (default PIPELINING CHUNKING BINARYMIME
//                         8BITMIME ENHANCEDSTATUSCODES SMTPUTF8)
//     options.refuse      addresses whose RCPT gets "550 5.1.1 no such user"
//     options.refuseChunk the index (0-based, per connection) of a BDAT to answer with
//                         "552 5.3.4 chunk refused"; its octets are still read, and the
//                         message is dropped (RFC 3030 §2)
//     options.hold        { after, until }: the reply to the first `after` command ("." is
//                         the end of a DATA body) and every reply behind it are held back
//                         until an `until` command arrives. A client that waits for the
//                         held reply before writing `until` is not pipelining: it stalls.
//     options.starttls    { key, cert, inject? }: STARTTLS is answered "220 ready" and the
//                         connection is upgraded with this certificate; `inject` is
//                         written right after the 220, in the same write, before the
//                         handshake (a response-injection attack, RFC 3207 §6)
//   ScriptedServer
//     address   "127.0.0.1:<port>"
//     raw()     every byte the clients sent, in order (to check the framing exactly)
//     commands  each command line (BDAT chunk bytes excluded)
//     repliesBefore  for each command, how many replies (greeting excluded) the server had
//               written on that connection when the command arrived: a client that waits
//               for every reply has repliesBefore[i] === i for its i-th command
//     chunks    each BDAT as { size, last }
//     messages  { from, to, body } for every message ended by BDAT ... LAST
//     close()   stops listening and destroys every open connection
//
// It reads exactly `n` octets after "BDAT n [LAST]" whatever they hold (RFC 3030 §2: no
// dot-stuffing, no line rules), answers each command in order as it is parsed, so a
// pipelined batch gets its replies in order (RFC 2920 §3.1).

import { createServer, type Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { KeyPair } from "@smtp/test-certs";

export interface ScriptedMessage {
  from: string;
  to: string[];
  body: Buffer;
}

export interface ScriptedServer {
  readonly address: string;
  readonly commands: string[];
  readonly repliesBefore: number[];
  readonly chunks: { size: number; last: boolean }[];
  readonly messages: ScriptedMessage[];
  raw(): Buffer;
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  extensions?: string[];
  refuse?: string[];
  hold?: { after: string; until: string };
  refuseChunk?: number;
  starttls?: KeyPair & { inject?: string };
}

const DEFAULT_EXTENSIONS = [
  "PIPELINING",
  "CHUNKING",
  "BINARYMIME",
  "8BITMIME",
  "ENHANCEDSTATUSCODES",
  "SMTPUTF8",
];

export async function startScriptedServer(
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS;
  const refuse = new Set(options.refuse ?? []);
  const raw: Buffer[] = [];
  const commands: string[] = [];
  const repliesBefore: number[] = [];
  const chunks: { size: number; last: boolean }[] = [];
  const messages: ScriptedMessage[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((plain) => {
    let socket: Socket = plain;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = Buffer.alloc(0);
    let from: string | undefined;
    let to: string[] = [];
    let body: Buffer[] = [];
    let bdatLeft = 0;
    let bdatLast = false;
    let chunkIndex = -1;
    let chunkRefused = false;
    let inData = false;
    let hold = options.hold;
    let held: string[] | undefined;
    let written = 0;
    const reply = (text: string) => {
      if (held !== undefined) held.push(text);
      else if (!socket.destroyed) {
        written++;
        socket.write(`${text}\r\n`);
      }
    };
    // Called before a command (or the end of data, ".") is handled.
    const before = (verb: string) => {
      if (held !== undefined && verb === hold?.until) {
        const replies = held;
        held = undefined;
        hold = undefined;
        for (const text of replies) reply(text);
      } else if (held === undefined && verb === hold?.after) {
        held = [];
      }
    };
    const reset = () => {
      from = undefined;
      to = [];
      body = [];
      chunkRefused = false;
    };

    const command = (line: string) => {
      commands.push(line);
      repliesBefore.push(written);
      const verb = line.split(" ", 1)[0]!.toUpperCase();
      before(verb);
      const bdat = /^BDAT (\d+)( LAST)?$/i.exec(line);
      if (bdat !== null) {
        bdatLeft = Number(bdat[1]);
        bdatLast = bdat[2] !== undefined;
        chunkIndex++;
        chunks.push({ size: bdatLeft, last: bdatLast });
        if (bdatLeft === 0) endChunk();
        return;
      }
      switch (verb) {
        case "EHLO":
          reply(
            ["bdat.test greets you", ...extensions]
              .map((l, i, all) => `250${i === all.length - 1 ? " " : "-"}${l}`)
              .join("\r\n"),
          );
          reset();
          return;
        case "MAIL": {
          from = /^MAIL FROM:<([^>]*)>/i.exec(line)?.[1];
          reply(from === undefined ? "501 5.5.4 syntax" : "250 2.1.0 sender ok");
          return;
        }
        case "RCPT": {
          const address = /^RCPT TO:<([^>]*)>/i.exec(line)?.[1];
          if (address === undefined) reply("501 5.5.4 syntax");
          else if (from === undefined) reply("503 5.5.1 need MAIL");
          else if (refuse.has(address)) reply(`550 5.1.1 <${address}>: no such user`);
          else {
            to.push(address);
            reply("250 2.1.5 recipient ok");
          }
          return;
        }
        case "DATA":
          if (to.length === 0) reply("503 5.5.1 need RCPT");
          else {
            inData = true;
            reply("354 go ahead");
          }
          return;
        case "RSET":
          reset();
          reply("250 2.0.0 ok");
          return;
        case "STARTTLS": {
          const options_ = options.starttls;
          if (options_ === undefined) {
            reply("502 5.5.1 no STARTTLS here");
            return;
          }
          written++;
          socket.write(`220 2.0.0 ready to start TLS\r\n${options_.inject ?? ""}`);
          socket.removeListener("data", onData);
          buffer = Buffer.alloc(0);
          const secure = new TLSSocket(socket, {
            isServer: true,
            key: options_.key,
            cert: options_.cert,
          });
          secure.on("error", () => {});
          secure.on("data", onData);
          sockets.add(secure);
          secure.on("close", () => sockets.delete(secure));
          socket = secure;
          return;
        }
        case "NOOP":
          reply("250 2.0.0 ok");
          return;
        case "QUIT":
          reply("221 2.0.0 bye");
          socket.end();
          return;
        default:
          reply("500 5.5.2 unknown command");
      }
    };

    const endChunk = () => {
      if (chunkIndex === options.refuseChunk || chunkRefused) {
        // RFC 3030 §2: once a chunk failed, the rest of the message fails with it.
        chunkRefused = !bdatLast;
        body = [];
        if (bdatLast) reset();
        reply("552 5.3.4 chunk refused");
        return;
      }
      if (from === undefined || to.length === 0) {
        reply("503 5.5.1 need MAIL and RCPT first");
        body = [];
        return;
      }
      if (!bdatLast) {
        reply(`250 2.0.0 ${chunks.at(-1)!.size} octets received`);
        return;
      }
      messages.push({ from, to, body: Buffer.concat(body) });
      reset();
      reply("250 2.0.0 message accepted");
    };

    const dataLine = (line: Buffer) => {
      if (line.equals(Buffer.from(".\r\n"))) {
        before(".");
        inData = false;
        messages.push({ from: from ?? "", to, body: Buffer.concat(body) });
        reset();
        reply("250 2.0.0 message accepted");
        return;
      }
      body.push(line[0] === 0x2e ? line.subarray(1) : line);
    };

    const onData = (data: Buffer) => {
      raw.push(data);
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (bdatLeft > 0) {
          if (buffer.length === 0) return;
          const take = Math.min(bdatLeft, buffer.length);
          body.push(buffer.subarray(0, take));
          buffer = buffer.subarray(take);
          bdatLeft -= take;
          if (bdatLeft === 0) endChunk();
          continue;
        }
        const end = buffer.indexOf("\r\n");
        if (end < 0) return;
        const line = buffer.subarray(0, end + 2);
        buffer = buffer.subarray(end + 2);
        if (inData) dataLine(line);
        else command(line.subarray(0, end).toString("utf8"));
      }
    };
    socket.on("data", onData);
    socket.write("220 bdat.test ESMTP CHUNKING test server\r\n");
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    commands,
    repliesBefore,
    chunks,
    messages,
    raw: () => Buffer.concat(raw),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
