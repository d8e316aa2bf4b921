// One client measurement in its own process:
//   node client.child.mjs <impl> <mode> '<json params>'
// impl: ours | ours-bdat | ours-seq | nodemailer; mode: reuse | oneshot | big | pool.
// Runs a warm-up (the same work, in one or more rounds), then the timed part, checks every message was
// accepted, and prints one JSON line: wall seconds, CPU seconds of this process over the
// timed part (process.cpuUsage: user + system), messages, and the process's peak RSS.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dial } from "@smtp/client";
import { createSender, sendMail } from "@smtp/send";
import { bodyChunks, CHUNK_SIZE } from "../scenarios/dot-encode.body.mjs";
import { reportFromChild } from "./child.mjs";
import { FROM, TO } from "./inputs.mjs";

const require = createRequire(import.meta.url);
const [impl, mode, json] = process.argv.slice(2);
const params = JSON.parse(json);
const addr = `127.0.0.1:${params.port}`;
const small = params.smallFile ? readFileSync(params.smallFile) : undefined;

/** The big body's 4 MiB pool in 64 KiB chunks, read once for the warm-up and the timed run. */
let poolChunks;

/** The big body: the pool replayed in 64 KiB chunks, as an async iterable. */
function bigBody(bytes) {
  if (poolChunks === undefined) {
    const pool = readFileSync(params.poolFile);
    poolChunks = [];
    for (let at = 0; at < pool.length; at += CHUNK_SIZE)
      poolChunks.push(pool.subarray(at, at + CHUNK_SIZE));
  }
  const chunks = poolChunks;
  return (async function* () {
    yield* bodyChunks(chunks, bytes);
  })();
}

// ---- ours: @smtp/client and @smtp/send -------------------------------------------------

/** S1/S5: Client.send back to back on one connection. With a window of 2 the next
 *  send() is already waiting when the previous one queues its final dot, so its
 *  MAIL/RCPT/DATA share that write (RFC 2920); "ours-seq" awaits each send instead. */
async function oursReuse(count) {
  const client = await dial(addr);
  const envelope = { from: FROM, to: [TO], ...(impl === "ours-bdat" ? { chunking: true } : {}) };
  const window = impl === "ours-seq" ? 1 : 2;
  const inFlight = [];
  for (let i = 0; i < count; i++) {
    inFlight.push(client.send(envelope, small));
    if (inFlight.length >= window) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await client.quit();
}

async function oursOneShot(count) {
  for (let i = 0; i < count; i++) await sendMail(addr, null, FROM, [TO], small, { tls: "none" });
}

async function oursBig(bytes) {
  const result = await sendMail(addr, null, FROM, [TO], bigBody(bytes), { tls: "none" });
  if (result.reply.code !== 250) throw new Error(`refused: ${result.reply.message}`);
}

async function oursPool(count) {
  const sender = createSender({
    addr,
    tls: "none",
    pool: { maxConnections: params.connections, maxMessagesPerConnection: 1e9 },
  });
  const sends = [];
  for (let i = 0; i < count; i++) sends.push(sender.send({ from: FROM, to: [TO], body: small }));
  const results = await Promise.all(sends);
  await sender.close();
  const notSent = results.find((result) => result.outcome !== "sent");
  if (notSent !== undefined) throw new Error(`a message was not sent: ${notSent.error}`);
}

// ---- nodemailer 10.6.1 -----------------------------------------------------------------

// Loaded only when nodemailer is the one measured, so it never weighs on our peak RSS.
const nodemailer = impl === "nodemailer" ? require("nodemailer") : undefined;
const SMTPConnection =
  impl === "nodemailer" ? require("nodemailer/lib/smtp-connection") : undefined;
const nodemailerOptions = { host: "127.0.0.1", port: params.port, secure: false, ignoreTLS: true };

async function nodemailerReuse(count, body = small) {
  const connection = new SMTPConnection(nodemailerOptions);
  await new Promise((resolve, reject) => {
    connection.once("error", reject);
    connection.connect(resolve);
  });
  // SMTPConnection takes one message at a time: send() again from the callback.
  for (let i = 0; i < count; i++) {
    await new Promise((resolve, reject) => {
      connection.send({ from: FROM, to: [TO] }, body, (error, info) =>
        error ? reject(error) : resolve(info),
      );
    });
  }
  connection.quit();
}

async function nodemailerOneShot(count) {
  const transport = nodemailer.createTransport({ ...nodemailerOptions, pool: false });
  // `raw`: the message is sent as it is, so nodemailer builds no MIME tree (fair to both).
  for (let i = 0; i < count; i++)
    await transport.sendMail({ envelope: { from: FROM, to: [TO] }, raw: small });
  transport.close();
}

async function nodemailerBig(bytes) {
  const { Readable } = await import("node:stream");
  await nodemailerReuse(1, Readable.from(bigBody(bytes)));
}

async function nodemailerPool(count) {
  const transport = nodemailer.createTransport({
    ...nodemailerOptions,
    pool: true,
    maxConnections: params.connections,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  const sends = [];
  for (let i = 0; i < count; i++) {
    sends.push(transport.sendMail({ envelope: { from: FROM, to: [TO] }, raw: small }));
  }
  await Promise.all(sends);
  transport.close();
}

// ---- driver ----------------------------------------------------------------------------

const table = {
  ours: { reuse: oursReuse, oneshot: oursOneShot, big: oursBig, pool: oursPool },
  nodemailer: {
    reuse: nodemailerReuse,
    oneshot: nodemailerOneShot,
    big: nodemailerBig,
    pool: nodemailerPool,
  },
};
const run = table[impl.startsWith("ours") ? "ours" : impl]?.[mode];
if (run === undefined) throw new Error(`unknown ${impl} ${mode}`);

// The timed part gets `amount` (messages, or bytes for "big"). The warm-up does the same
// work `warmupRounds` times over (S1: twice, so two connections), `warmup` in all: code
// that only runs when a connection starts or ends has then been seen by the JIT too, and
// its recompilation does not land in the timed part (see the README).
const rounds = params.warmupRounds ?? 1;
for (let round = 0; round < rounds; round++) await run(Math.ceil(params.warmup / rounds));
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
await run(params.amount);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
reportFromChild({
  impl,
  mode,
  amount: params.amount,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  systemSeconds: cpu.system / 1e6,
});
// Pooled transports may keep a timer or two; the measurement is done.
process.exit(0);
