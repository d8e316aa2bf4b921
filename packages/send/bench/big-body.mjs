// Memory figure for a streamed body: sendMail() with a 1 GiB async-iterable body
// to a discarding SMTP sink in a child process, sampling this process's RSS.
// Not a test (it takes a while); run after a build:
//
//   pnpm --filter @smtp/send build && node packages/send/bench/big-body.mjs [MiB]
import { fork } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

if (process.argv[2] === "sink") {
  // A minimal SMTP sink: PIPELINING, discards the body, finds the final dot across chunks.
  const server = createServer((socket) => {
    socket.write("220 sink ready\r\n");
    let inData = false;
    let tail = "";
    let line = "";
    let bytes = 0;
    socket.on("data", (chunk) => {
      if (inData) {
        bytes += chunk.length;
        const text = tail + chunk.toString("latin1", Math.max(0, chunk.length - 5));
        if (text.endsWith("\r\n.\r\n")) {
          inData = false;
          tail = "";
          socket.write(`250 2.0.0 ok ${bytes} bytes\r\n`);
          bytes = 0;
        } else tail = text.slice(-5);
        return;
      }
      line += chunk.toString("latin1");
      let i = line.indexOf("\r\n");
      while (i >= 0) {
        const cmd = line.slice(0, i).toUpperCase();
        line = line.slice(i + 2);
        if (cmd.startsWith("EHLO")) socket.write("250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        else if (cmd === "DATA") {
          socket.write("354 go\r\n");
          inData = true;
          if (line.length > 0) socket.emit("data", Buffer.from(line, "latin1"));
          line = "";
          return;
        } else if (cmd === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
        i = line.indexOf("\r\n");
      }
    });
  });
  server.listen(0, "127.0.0.1", () => process.send?.(server.address().port));
} else {
  const { sendMail } = await import("../dist/index.js");
  const mib = Number(process.argv[2] ?? 1024);
  const child = fork(fileURLToPath(import.meta.url), ["sink"], { stdio: "inherit" });
  const port = await new Promise((resolve) => child.once("message", resolve));
  const line = Buffer.from(`${"x".repeat(76)}\r\n`);
  const chunk = Buffer.concat(Array.from({ length: Math.floor(65536 / line.length) }, () => line));
  const total = mib * 1024 * 1024;
  async function* body() {
    yield Buffer.from("Subject: big\r\n\r\n");
    for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
  }
  let peak = process.memoryUsage().rss;
  const baseline = peak;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const result = await sendMail(
    `127.0.0.1:${port}`,
    null,
    "a@example.org",
    ["b@example.org"],
    body(),
    { tls: "none" },
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  child.kill();
  const mb = (n) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `${mib} MiB body in ${seconds.toFixed(1)} s (${(mib / seconds).toFixed(0)} MiB/s), reply ${result.reply.code} ${result.reply.message}; ` +
      `RSS baseline ${mb(baseline)} MiB, peak ${mb(peak)} MiB (Node ${process.version})`,
  );
}
