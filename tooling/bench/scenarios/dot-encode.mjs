// Scenario "dot-encode": our DotEncoder (textproto's default, and with { bareCr: "crlf" }
// as @smtp/client uses it for DATA) against nodemailer's DataStream on a body whose lines
// are a quarter dot-led, in 64 KiB chunks. Each measurement runs in its own process; the
// encoders take turns (the order rotates every repetition) so that machine noise hits
// them alike. Reported: median time, throughput, the ratio, and peak RSS at 100 MiB and
// 1 GiB, which shows that memory does not grow with the message.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { formatSize, GiB, gigabytesPerSecond, MiB, median, printTable } from "../lib/stats.mjs";
import { makeChunks } from "./dot-encode.body.mjs";
import { encoders } from "./dot-encode.encoders.mjs";

export const name = "dot-encode";
export const description =
  'RFC 5321 dot-stuffing of a body with 1/4 dot-led lines, 64 KiB chunks: DotEncoder (default and bareCr "crlf") vs nodemailer DataStream';

const IMPLS = ["ours", "ours-crlf", "nodemailer"];
const LABELS = {
  ours: "DotEncoder",
  "ours-crlf": 'DotEncoder bareCr "crlf"',
  nodemailer: "nodemailer DataStream",
};

const child = fileURLToPath(new URL("./dot-encode.child.mjs", import.meta.url));

/**
 * Every encoder must produce the very same bytes, or the timing means nothing. (The body
 * has no bare CR, so "crlf" changes nothing in it: what that row measures is the cost of
 * also looking for every CR.)
 */
async function sameOutput() {
  const chunks = makeChunks();
  const digests = [];
  for (const impl of IMPLS) {
    for (const mode of ["codec", "stream"]) {
      const hash = createHash("sha256");
      await encoders[impl][mode](chunks, 8 * MiB, (output) => hash.update(output));
      digests.push(hash.digest("hex"));
    }
  }
  return digests.every((digest) => digest === digests[0]);
}

export async function run({ repetitions = Number(process.env.BENCH_REPS ?? 5) } = {}) {
  if (!(await sameOutput())) throw new Error("the encoders disagree on the output bytes");
  console.log("Outputs checked identical (sha256 of an 8 MiB body, all six ways).\n");

  const plan = [
    { bytes: 100 * MiB, repetitions },
    { bytes: 1 * GiB, repetitions: Math.max(1, Math.ceil(repetitions / 2)) },
  ];
  const rows = [];
  for (const { bytes, repetitions: count } of plan) {
    for (const mode of ["codec", "stream"]) {
      const results = { ours: [], "ours-crlf": [], nodemailer: [] };
      for (let r = 0; r < count; r++) {
        const order = IMPLS.map((_, i) => IMPLS[(i + r) % IMPLS.length]);
        for (const impl of order) {
          results[impl].push(await runChild(child, [impl, mode, String(bytes)]));
        }
      }
      const seconds = {};
      const cpuSeconds = {};
      const rss = {};
      for (const impl of IMPLS) {
        seconds[impl] = median(results[impl].map((result) => result.seconds));
        cpuSeconds[impl] = median(results[impl].map((result) => result.cpuSeconds));
        rss[impl] = Math.max(...results[impl].map((result) => result.maxRssBytes));
      }
      for (const impl of IMPLS) {
        rows.push([
          formatSize(bytes),
          mode,
          LABELS[impl],
          count,
          seconds[impl].toFixed(3),
          gigabytesPerSecond(bytes, seconds[impl]).toFixed(2),
          cpuSeconds[impl].toFixed(3),
          (rss[impl] / MiB).toFixed(0),
          `${(seconds.nodemailer / seconds[impl]).toFixed(2)}x`,
        ]);
      }
    }
  }
  printTable(
    [
      "body",
      "mode",
      "encoder",
      "runs",
      "median s",
      "GB/s",
      "median CPU s",
      "max RSS MiB",
      "speed-up",
    ],
    rows,
  );
  console.log(
    "\nmedian s: wall time of the timed pass after a 32 MiB warm-up; GB/s = body bytes / median s" +
      " (10^9 B/s);\nmax RSS: peak resident memory of the whole child process (Node itself included);" +
      "\nspeed-up: nodemailer's median s / this encoder's median s, same body, same mode.",
  );
}
