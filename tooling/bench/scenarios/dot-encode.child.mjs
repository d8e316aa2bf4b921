// One measurement in its own process: `node dot-encode.child.mjs <impl> <mode> <bytes>`.
// Warms the encoder up on 32 MiB, then times one body of <bytes> and reports the time, the
// output size, the CPU time and the process's peak RSS.
import { reportFromChild } from "../lib/child.mjs";
import { CHUNK_SIZE, makeChunks } from "./dot-encode.body.mjs";
import { encoders } from "./dot-encode.encoders.mjs";

const [impl, mode, size] = process.argv.slice(2);
const bytes = Number(size);
const run = encoders[impl]?.[mode];
if (run === undefined || !(bytes > 0) || bytes % CHUNK_SIZE !== 0) {
  throw new Error(`usage: dot-encode.child.mjs ours|ours-crlf|nodemailer codec|stream <bytes>`);
}

const chunks = makeChunks();
let outputBytes = 0;
const count = (output) => {
  outputBytes += output.length;
};

await run(chunks, 32 * 1024 * 1024, count);
outputBytes = 0;
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
await run(chunks, bytes, count);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
// CPU time as well as wall time: on a shared machine it is the steadier of the two.
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
reportFromChild({ impl, mode, bytes, outputBytes, seconds, cpuSeconds });
