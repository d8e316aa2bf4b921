// The bench's SMTP sink: a minimal server on loopback that accepts everything as fast as
// it can, so that what a scenario measures is the client. It is not a conforming MTA; it
// does just what the clients under test need (RFC 5321 §4.1 commands, RFC 2920
// PIPELINING, RFC 3030 CHUNKING, RFC 1870 SIZE, RFC 6152 8BITMIME).
//
// Speed comes from two habits: replies to every command found in one socket read leave in
// ONE write (a pipelined batch costs one syscall), and the end of DATA is found with
// Buffer#indexOf on the whole chunk (native memchr-like search), never line by line.
import net from "node:net";

export const EHLO_KEYWORDS = ["PIPELINING", "8BITMIME", "SIZE 10737418240", "CHUNKING"];

const GREETING = "220 sink.local ESMTP bench sink\r\n";
const EHLO_REPLY = `250-sink.local\r\n${EHLO_KEYWORDS.map((k, i) => `250${i === EHLO_KEYWORDS.length - 1 ? " " : "-"}${k}`).join("\r\n")}\r\n`;
// RFC 5321 §4.1.1.4: the data ends with CRLF "." CRLF; the CRLF that ended the DATA
// command counts as the first CRLF (an empty body is "." CRLF right after DATA).
const END_OF_DATA = Buffer.from("\r\n.\r\n");
const CRLF = Buffer.from("\r\n");
const COMMAND = 0;
const DATA = 1;
const BDAT = 2;

/** Counters for the whole sink process, read by the parent between runs. */
export const counters = { connections: 0, messages: 0, bodyBytes: 0 };

/** One session; `onData` is the whole protocol. */
function serve(socket) {
  counters.connections++;
  socket.setNoDelay(true);
  let mode = COMMAND;
  let pending = null; // an incomplete command line carried to the next read
  let tail = CRLF; // DATA: the last (up to 4) bytes seen, to find a marker split across reads
  let bdatLeft = 0;
  let bdatLast = false;
  let quitting = false;

  function command(line) {
    const verb = line.slice(0, 4).toUpperCase();
    switch (verb) {
      case "EHLO":
      case "LHLO":
        return EHLO_REPLY;
      case "HELO":
        return "250 sink.local\r\n";
      case "MAIL":
        return "250 2.1.0 sender ok\r\n";
      case "RCPT":
        return "250 2.1.5 recipient ok\r\n";
      case "DATA":
        mode = DATA;
        tail = CRLF;
        return "354 end data with <CR><LF>.<CR><LF>\r\n";
      case "BDAT": {
        const parts = line.split(" ");
        bdatLeft = Number(parts[1]);
        bdatLast = (parts[2] ?? "").toUpperCase() === "LAST";
        if (!Number.isSafeInteger(bdatLeft) || bdatLeft < 0) return "501 5.5.4 bad size\r\n";
        if (bdatLeft > 0) {
          mode = BDAT;
          return "";
        }
        return bdatDone();
      }
      case "RSET":
      case "NOOP":
        return "250 2.0.0 ok\r\n";
      case "QUIT":
        quitting = true;
        return "221 2.0.0 bye\r\n";
      default:
        return "500 5.5.2 unknown command\r\n";
    }
  }

  function bdatDone() {
    mode = COMMAND;
    if (!bdatLast) return "250 2.0.0 chunk ok\r\n";
    counters.messages++;
    return "250 2.0.0 message queued\r\n";
  }

  /** Where the data ends in `chunk` from `at` (the index after the final CRLF), or -1. */
  function endOfData(chunk, at) {
    // A marker that straddles the previous read: look at tail + the first 4 bytes.
    const head = chunk.subarray(at, Math.min(chunk.length, at + 4));
    const seam = Buffer.concat([tail, head]);
    const inSeam = seam.indexOf(END_OF_DATA);
    if (inSeam >= 0) return at + inSeam + END_OF_DATA.length - tail.length;
    const inChunk = chunk.indexOf(END_OF_DATA, at);
    return inChunk < 0 ? -1 : inChunk + END_OF_DATA.length;
  }

  socket.on("data", (chunk) => {
    let out = "";
    let at = 0;
    while (at < chunk.length) {
      if (mode === DATA) {
        const end = endOfData(chunk, at);
        if (end < 0) {
          counters.bodyBytes += chunk.length - at;
          const rest = chunk.subarray(at);
          tail = Buffer.from(
            rest.length >= 4
              ? rest.subarray(rest.length - 4)
              : Buffer.concat([tail, rest]).subarray(-4),
          );
          break;
        }
        counters.bodyBytes += end - at;
        counters.messages++;
        out += "250 2.0.0 message queued\r\n";
        mode = COMMAND;
        at = end;
      } else if (mode === BDAT) {
        const take = Math.min(bdatLeft, chunk.length - at);
        bdatLeft -= take;
        counters.bodyBytes += take;
        at += take;
        if (bdatLeft === 0) out += bdatDone();
      } else {
        const lf = chunk.indexOf(10, at);
        if (lf < 0) {
          pending =
            pending === null
              ? Buffer.from(chunk.subarray(at))
              : Buffer.concat([pending, chunk.subarray(at)]);
          if (pending.length > 4096) {
            socket.destroy();
            return;
          }
          break;
        }
        let bytes = chunk.subarray(at, lf);
        if (pending !== null) {
          bytes = Buffer.concat([pending, bytes]);
          pending = null;
        }
        at = lf + 1;
        const end =
          bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
        out += command(bytes.latin1Slice(0, end));
      }
    }
    if (out !== "") socket.write(out);
    if (quitting) socket.end();
  });
  socket.on("error", () => {});
  socket.write(GREETING);
}

/** Starts the sink on 127.0.0.1 (port 0 = any); resolves with the server once listening. */
export function startSink(port = 0) {
  const server = net.createServer(serve);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
