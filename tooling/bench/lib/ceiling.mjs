// The sink's own ceiling: pre-encoded transactions blasted into it with no client logic at
// all (one write of N whole pipelined transactions, replies only counted), and a raw DATA
// body streamed as fast as the socket takes it. If a client comes near these figures, the
// sink (not the client) is what limits it, and the scenario says so.

import { readFileSync } from "node:fs";
import net from "node:net";
import { FROM, TO } from "./inputs.mjs";
import { median } from "./stats.mjs";

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.setNoDelay(true);
    socket.once("error", reject);
  });
}

/** Resolves when `count` reply lines (LFs) have arrived after now. */
function countLines(socket, count) {
  return new Promise((resolve) => {
    let seen = 0;
    const onData = (chunk) => {
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) seen++;
      if (seen >= count) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
  });
}

/** Messages per second for `count` transactions of the small message, all in one write. */
async function blastSmall(port, small, count) {
  const socket = await connect(port);
  await countLines(socket, 1); // greeting
  const ehlo = countLines(socket, 5);
  socket.write("EHLO blaster\r\n");
  await ehlo;
  const one = Buffer.concat([
    Buffer.from(
      `MAIL FROM:<${FROM}> BODY=8BITMIME SIZE=${small.length}\r\nRCPT TO:<${TO}>\r\nDATA\r\n`,
    ),
    small,
    Buffer.from(".\r\n"),
  ]);
  const all = Buffer.concat(Array.from({ length: count }, () => one));
  const replies = countLines(socket, 4 * count); // MAIL, RCPT, DATA (354), final 250
  const start = process.hrtime.bigint();
  socket.write(all);
  await replies;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  return count / seconds;
}

/** Body bytes per second of one DATA of `bytes` bytes of the pool, under backpressure. */
async function blastBig(port, pool, bytes) {
  const socket = await connect(port);
  await countLines(socket, 1);
  const envelope = countLines(socket, 8);
  socket.write(`EHLO blaster\r\nMAIL FROM:<${FROM}>\r\nRCPT TO:<${TO}>\r\nDATA\r\n`);
  await envelope; // 5 EHLO lines, 250, 250, 354
  const final = countLines(socket, 1);
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < bytes; sent += pool.length) {
    if (!socket.write(pool)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  socket.write(".\r\n");
  await final;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.destroy();
  return bytes / seconds;
}

/** Median of `repetitions` blasts: { messagesPerSecond, bytesPerSecond }. */
export async function measureCeiling(
  sink,
  { smallFile, poolFile },
  { messages, bytes, repetitions },
) {
  const small = readFileSync(smallFile);
  const pool = readFileSync(poolFile);
  const rates = [];
  const throughputs = [];
  for (let r = 0; r < repetitions; r++) {
    rates.push(await blastSmall(sink.port, small, messages));
    throughputs.push(await blastBig(sink.port, pool, bytes));
  }
  return { messagesPerSecond: median(rates), bytesPerSecond: median(throughputs) };
}
