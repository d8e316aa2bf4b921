// sendMail() and the pool against Nodemailer, in the same run, to the same discarding
// sink in a child process (issue 5's Speed targets: one-shot >= 1.3x, pooled >= 1.5x).
//
//   pnpm --filter @smtp/send build && node packages/send/bench/vs-nodemailer.mjs
//
// Nodemailer is the copy tooling/bench depends on. Each side sends the same raw
// 1 KiB message with an explicit envelope; no TLS, no AUTH. The two alternate for
// REPS rounds; the figures are medians.
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { createSender, sendMail } from "../dist/index.js";

const require = createRequire(new URL("../../../tooling/bench/package.json", import.meta.url));
const nodemailer = require("nodemailer");

const REPS = Number(process.env.BENCH_REPS ?? 3);
const ONE_SHOT = Number(process.env.ONE_SHOT ?? 500);
const POOLED = Number(process.env.POOLED ?? 4000);
const CONNECTIONS = 8;

const sink = fork(fileURLToPath(new URL("./sink.mjs", import.meta.url)));
const { port } = await new Promise((resolve) => sink.once("message", resolve));
const addr = `127.0.0.1:${port}`;
const from = "bench@example.org";
const to = ["rcpt@example.org"];
const body = Buffer.from(
  `From: ${from}\r\nTo: ${to[0]}\r\nSubject: bench\r\n\r\n${"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".repeat(15)}`,
);

async function timed(fn) {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const ours = {
  oneShot: () =>
    timed(async () => {
      for (let i = 0; i < ONE_SHOT; i++)
        await sendMail(addr, null, from, to, body, { tls: "none" });
    }),
  pooled: () =>
    timed(async () => {
      const sender = createSender({
        addr,
        tls: "none",
        pool: { maxConnections: CONNECTIONS, maxQueued: 256 },
      });
      const all = [];
      for (let i = 0; i < POOLED; i++) {
        await sender.ready();
        all.push(sender.send({ from, to, body }));
      }
      const results = await Promise.all(all);
      await sender.close();
      if (results.some((r) => r.outcome !== "sent")) throw new Error("a message was not sent");
    }),
};
const theirs = {
  oneShot: () =>
    timed(async () => {
      const transport = nodemailer.createTransport({
        host: "127.0.0.1",
        port,
        secure: false,
        ignoreTLS: true,
      });
      for (let i = 0; i < ONE_SHOT; i++)
        await transport.sendMail({ envelope: { from, to }, raw: body });
      transport.close();
    }),
  pooled: () =>
    timed(async () => {
      const transport = nodemailer.createTransport({
        host: "127.0.0.1",
        port,
        secure: false,
        ignoreTLS: true,
        pool: true,
        maxConnections: CONNECTIONS,
        maxMessages: 100,
      });
      await Promise.all(
        Array.from({ length: POOLED }, () =>
          transport.sendMail({ envelope: { from, to }, raw: body }),
        ),
      );
      transport.close();
    }),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [name, count] of [
  ["oneShot", ONE_SHOT],
  ["pooled", POOLED],
]) {
  const a = [];
  const b = [];
  await ours[name](); // warm-up, both sides
  await theirs[name]();
  for (let r = 0; r < REPS; r++) {
    if (r % 2 === 0) {
      a.push(await ours[name]());
      b.push(await theirs[name]());
    } else {
      b.push(await theirs[name]());
      a.push(await ours[name]());
    }
  }
  const ma = median(a);
  const mb = median(b);
  rows.push(
    `| ${name === "oneShot" ? `${count} one-shot sendMail (new connection each)` : `${count} pooled, ${CONNECTIONS} connections`} | ${(count / ma).toFixed(0)} msg/s | ${(count / mb).toFixed(0)} msg/s | ${(mb / ma).toFixed(2)}x |`,
  );
}
sink.kill();
console.log(`Node ${process.version}, ${REPS} rounds, medians\n`);
console.log("| scenario | @smtp/send | nodemailer | ratio |");
console.log("| --- | --- | --- | --- |");
for (const row of rows) console.log(row);
