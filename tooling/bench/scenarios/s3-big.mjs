// S3 big (issue 6): one message of 100 MiB whose lines are a quarter dot-led (the
// dot-encode pool replayed in 64 KiB chunks), streamed: throughput, CPU and peak RSS of the
// client process. With BENCH_1GIB=1 the same at 1 GiB, to show that memory stays flat.
// Ours: sendMail with an async iterable body; Go: Data() and 64 KiB writes; nodemailer
// SMTPConnection#send with a Readable (100 MiB only: its DataStream does 0.1 GB/s).

import { quick, runPeers, target } from "../lib/scenario.mjs";
import { formatSize, GiB, MiB, printTable } from "../lib/stats.mjs";

export const name = "s3-big";
export const description =
  "one 100 MiB message, 1/4 dot-led lines (and 1 GiB with BENCH_1GIB=1): throughput and peak RSS";

export async function run() {
  const sizes = [quick ? 32 * MiB : 100 * MiB];
  if (process.env.BENCH_1GIB === "1") sizes.push(1 * GiB);
  const rows = [];
  const bySize = {};
  const skipped = {};
  for (const bytes of sizes) {
    const peers = [
      { key: "ours", label: "ours sendMail", impl: "ours" },
      { key: "go", label: "Go net/smtp", impl: "go" },
    ];
    if (bytes <= 100 * MiB)
      peers.push({ key: "nodemailer", label: "nodemailer SMTPConnection", impl: "nodemailer" });
    const result = await runPeers({
      mode: "big",
      amount: bytes,
      warmup: 8 * MiB,
      messagesPerRun: 2,
      peers,
      reps: bytes > 100 * MiB ? 2 : undefined,
    });
    Object.assign(skipped, result.skipped);
    bySize[bytes] = result.summary;
    const ours = result.summary.ours;
    for (const peer of Object.values(result.summary)) {
      rows.push([
        formatSize(bytes),
        peer.label,
        peer.runs.length,
        peer.seconds.toFixed(3),
        (bytes / peer.seconds / 1e6).toFixed(0),
        ((peer.cpuSeconds / bytes) * GiB).toFixed(2),
        (peer.maxRssBytes / MiB).toFixed(0),
        `${(peer.seconds / ours.seconds).toFixed(2)}x`,
        peer.load.toFixed(1),
      ]);
    }
  }
  printTable(
    ["body", "client", "runs", "median s", "MB/s", "CPU s/GiB", "max RSS MiB", "ours ÷ it", "load"],
    rows,
  );
  const small = bySize[sizes[0]];
  const large = bySize[1 * GiB];
  const targets = [
    target(
      "S3",
      `throughput ≥ Go (${formatSize(sizes[0])})`,
      small.go && small.go.seconds / small.ours.seconds,
      1,
    ),
    target(
      "S3",
      "peak RSS ≤ 64 MiB",
      Math.max(...Object.values(bySize).map((s) => s.ours.maxRssBytes)) / MiB,
      64,
      {
        atMost: true,
        unit: "MiB",
      },
    ),
  ];
  if (large) {
    targets.push(
      target("S3", "throughput ≥ Go (1 GiB)", large.go && large.go.seconds / large.ours.seconds, 1),
    );
    targets.push(
      target(
        "S3",
        "peak RSS 1 GiB − 100 MiB ≤ 4 MiB",
        (large.ours.maxRssBytes - small.ours.maxRssBytes) / MiB,
        4,
        {
          atMost: true,
          unit: "MiB",
        },
      ),
    );
  }
  return { summary: bySize, skipped, targets };
}
