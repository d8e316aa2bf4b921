// Scenario "dot-encode": our DotEncoder against nodemailer's DataStream on a body whose
// lines are a quarter dot-led, in 64 KiB chunks. Each measurement runs in its own process;
// the two encoders alternate (and swap order every repetition) so that machine noise hits
// both alike. Reported: median time, throughput, the ratio, and peak RSS at 100 MiB and
// 1 GiB, which shows that memory does not grow with the message.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runChild } from "../lib/child.mjs";
import { formatSize, GiB, gigabytesPerSecond, MiB, median, printTable } from "../lib/stats.mjs";
import { makeChunks } from "./dot-encode.body.mjs";
import { encoders } from "./dot-encode.encoders.mjs";

export const name = "dot-encode";
export const description =
  "RFC 5321 dot-stuffing of a body with 1/4 dot-led lines, 64 KiB chunks: DotEncoder vs nodemailer DataStream";

const child = fileURLToPath(new URL("./dot-encode.child.mjs", import.meta.url));

/** Both encoders must produce the very same bytes, or the timing means nothing. */
async function sameOutput() {
  const chunks = makeChunks();
  const digests = [];
  for (const impl of ["ours", "nodemailer"]) {
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
  console.log("Outputs checked identical (sha256 of an 8 MiB body, all four ways).\n");

  const plan = [
    { bytes: 100 * MiB, repetitions },
    { bytes: 1 * GiB, repetitions: Math.max(1, Math.ceil(repetitions / 2)) },
  ];
  const rows = [];
  for (const { bytes, repetitions: count } of plan) {
    for (const mode of ["codec", "stream"]) {
      const results = { ours: [], nodemailer: [] };
      for (let r = 0; r < count; r++) {
        const order = r % 2 === 0 ? ["ours", "nodemailer"] : ["nodemailer", "ours"];
        for (const impl of order) {
          results[impl].push(await runChild(child, [impl, mode, String(bytes)]));
        }
      }
      const seconds = {};
      const cpuSeconds = {};
      const rss = {};
      for (const impl of ["ours", "nodemailer"]) {
        seconds[impl] = median(results[impl].map((result) => result.seconds));
        cpuSeconds[impl] = median(results[impl].map((result) => result.cpuSeconds));
        rss[impl] = Math.max(...results[impl].map((result) => result.maxRssBytes));
      }
      for (const impl of ["ours", "nodemailer"]) {
        rows.push([
          formatSize(bytes),
          mode,
          impl === "ours" ? "DotEncoder" : "nodemailer DataStream",
          count,
          seconds[impl].toFixed(3),
          gigabytesPerSecond(bytes, seconds[impl]).toFixed(2),
          cpuSeconds[impl].toFixed(3),
          (rss[impl] / MiB).toFixed(0),
          impl === "ours" ? `${(seconds.nodemailer / seconds.ours).toFixed(2)}x` : "1.00x",
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
      "\nspeed-up: nodemailer's median s / DotEncoder's median s, same body, same mode.",
  );
}
