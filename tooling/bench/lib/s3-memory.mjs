// S3's memory, ours only: `node tooling/bench/lib/s3-memory.mjs [runs] [--1gib] [--smaps]`
// runs `runs` (default 9) S3 children of @smtp/send (the built dist/) against the sink and
// prints each one's peak RSS and throughput, then the median and the maximum. --smaps
// preloads memory-probe.mjs into the first child: where its memory is at exit.
import { fileURLToPath } from "node:url";
import { runChild } from "./child.mjs";
import { writeInputs } from "./inputs.mjs";
import { startSinkProcess } from "./sink-process.mjs";
import { MiB, median } from "./stats.mjs";

const args = process.argv.slice(2);
const runs = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 9);
const bytes = args.includes("--1gib") ? 1024 * MiB : 100 * MiB;
const probe = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));
const script = fileURLToPath(new URL("./client.child.mjs", import.meta.url));

const inputs = writeInputs();
const sink = await startSinkProcess({});
const peaks = [];
try {
  for (let i = 0; i < runs; i++) {
    const params = { port: sink.port, amount: bytes, warmup: 8 * MiB, ...inputs };
    const nodeOptions = i === 0 && args.includes("--smaps") ? ["--import", probe] : [];
    const result = await runChild(script, ["ours", "big", JSON.stringify(params)], { nodeOptions });
    peaks.push(result.maxRssBytes / MiB);
    const rate = bytes / result.seconds / 1e6;
    console.log(
      `run ${i + 1}: peak RSS ${(result.maxRssBytes / MiB).toFixed(1)} MiB, ${rate.toFixed(0)} MB/s`,
    );
  }
} finally {
  await sink.close();
}
console.log(`median ${median(peaks).toFixed(1)} MiB, max ${Math.max(...peaks).toFixed(1)} MiB`);
