// A fast discarding SMTP sink for benchmarks, run as a child process so its CPU is
// not the sender's: `node sink.mjs` prints the port on IPC. It advertises PIPELINING
// and 8BITMIME, answers every command, and finds the final dot across chunk
// boundaries, carrying any pipelined bytes after it on to the next command.
import { createServer } from "node:net";

const END = Buffer.from("\r\n.\r\n");
let messages = 0;

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.write("220 sink ready\r\n");
  let inData = false;
  let pending = Buffer.alloc(0); // command bytes not yet parsed, or the tail of the body
  let atBodyStart = false;
  socket.on("error", () => {});
  socket.on("data", (chunk) => {
    let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let out = "";
    for (;;) {
      if (inData) {
        let end = -1;
        let skip = 0;
        if (
          atBodyStart &&
          buf.length >= 3 &&
          buf[0] === 0x2e &&
          buf[1] === 0x0d &&
          buf[2] === 0x0a
        ) {
          end = 0;
          skip = 3;
        } else {
          const i = buf.indexOf(END);
          if (i >= 0) {
            end = i;
            skip = END.length;
          }
        }
        if (end < 0) {
          atBodyStart = atBodyStart && buf.length < 3;
          pending = buf.subarray(Math.max(0, buf.length - 4));
          if (out) socket.write(out);
          return;
        }
        buf = buf.subarray(end + skip);
        inData = false;
        messages++;
        out += "250 2.0.0 ok\r\n";
        continue;
      }
      const i = buf.indexOf("\r\n");
      if (i < 0) {
        pending = Buffer.from(buf);
        if (out) socket.write(out);
        return;
      }
      const verb = buf.toString("latin1", 0, Math.min(4, i)).toUpperCase();
      buf = buf.subarray(i + 2);
      if (verb === "EHLO") out += "250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
      else if (verb === "DATA") {
        out += "354 go\r\n";
        inData = true;
        atBodyStart = true;
      } else if (verb === "QUIT") {
        socket.end(`${out}221 bye\r\n`);
        return;
      } else out += "250 ok\r\n";
    }
  });
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("message", (m) => {
  if (m === "count") process.send?.({ messages });
});
