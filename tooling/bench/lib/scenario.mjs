// What the client scenarios (S1..S5) share: the repetition count and quick mode, the
// sink's lifetime, the Go peer's skip rule, the results table and the target verdicts.

import { compare, goPeer, nodePeer } from "./compare.mjs";
import { prepareGo } from "./go.mjs";
import { writeInputs } from "./inputs.mjs";
import { startSinkProcess } from "./sink-process.mjs";
import { MiB, printTable } from "./stats.mjs";

/** BENCH_QUICK=1: fewer repetitions and smaller sizes (a smoke run, not figures). */
export const quick = process.env.BENCH_QUICK === "1";
export const repetitions = Number(process.env.BENCH_REPS ?? (quick ? 2 : 5));

/**
 * Runs `peers` ([{ key, label, impl }], impl "go" or a client.child.mjs impl) in `mode`
 * against a fresh sink (with a delaying proxy when delayMs > 0). Prints nothing; resolves
 * with compare()'s summary plus `skipped` ({ key: reason }).
 */
export async function runPeers({
  mode,
  peers,
  amount,
  warmup,
  warmupRounds = 1,
  pin = false,
  messagesPerRun,
  delayMs = 0,
  extra = {},
  reps = repetitions,
}) {
  const inputs = writeInputs();
  const sink = await startSinkProcess({ delayMs, pin });
  const port = delayMs > 0 ? sink.proxyPort : sink.port;
  const params = { port, amount, warmup, warmupRounds, ...inputs, ...extra };
  const skipped = {};
  const runnable = [];
  for (const peer of peers) {
    if (peer.impl === "go") {
      const go = await prepareGo();
      if (!go.ok) {
        skipped[peer.key] = go.reason;
        console.log(`Skipping ${peer.label}: ${go.reason}`);
        continue;
      }
      runnable.push({ ...peer, run: goPeer(mode, params, { pin }) });
    } else {
      runnable.push({ ...peer, run: nodePeer(peer.impl, mode, params, { pin }) });
    }
  }
  try {
    const summary = await compare(sink, runnable, { repetitions: reps, messagesPerRun });
    return { summary, skipped };
  } finally {
    await sink.close();
  }
}

/**
 * A verdict: "value" against "target"; higher is better unless `atMost`. `applies: false`
 * prints the value with the verdict "does not apply" (the target is for another kind of peer).
 */
export function target(
  scenario,
  text,
  value,
  goal,
  { atMost = false, unit = "x", applies = true } = {},
) {
  const pass = value === undefined || !applies ? undefined : atMost ? value <= goal : value >= goal;
  return { scenario, text, value, goal, unit, atMost, applies, pass };
}

/** The per-message table of S1, S2, S4, S5. */
export function printMessageTable(summary, { amount, oursKey = "ours", rtt, messagesPerRun }) {
  const ours = summary[oursKey];
  const header = [
    "client",
    "runs",
    "median s",
    "msg/s",
    "CPU µs/msg",
    "of it sys",
    "max RSS MiB",
    "ours ÷ it",
  ];
  if (rtt !== undefined) header.push("RTT/msg", "turns/msg");
  header.push("load");
  const rows = Object.entries(summary).map(([, peer]) => {
    const row = [
      peer.label,
      peer.runs.length,
      peer.seconds.toFixed(3),
      Math.round(amount / peer.seconds),
      Math.round((peer.cpuSeconds / amount) * 1e6),
      `${Math.round((100 * peer.systemSeconds) / peer.cpuSeconds)}%`,
      (peer.maxRssBytes / MiB).toFixed(0),
      `${(peer.seconds / ours.seconds).toFixed(2)}x`,
    ];
    if (rtt !== undefined) {
      row.push((peer.seconds / amount / rtt).toFixed(2), (peer.turns / messagesPerRun).toFixed(2));
    }
    row.push(peer.load.toFixed(1));
    return row;
  });
  printTable(header, rows);
}
