// S4 parallel (issues 5 and 6): 4,000 messages of 1 KiB over 8 connections, all handed to
// the pool at once. Ours: createSender (pipelineDepth 2, the default); nodemailer: pooled
// transport (pool: true, maxConnections 8). Neither replaces connections during the run
// (maxMessagesPerConnection / maxMessages unlimited), so both do the same work.
import { printMessageTable, quick, runPeers, target } from "../lib/scenario.mjs";

export const name = "s4-parallel";
export const description = "4,000 × 1 KiB over 8 connections: createSender vs nodemailer pool:true";

export async function run() {
  const amount = quick ? 1000 : 4000;
  const warmup = 1000;
  const { summary, skipped } = await runPeers({
    mode: "pool",
    amount,
    warmup,
    messagesPerRun: amount + warmup,
    extra: { connections: 8 },
    peers: [
      { key: "ours", label: "ours createSender", impl: "ours" },
      { key: "nodemailer", label: "nodemailer pool:true", impl: "nodemailer" },
    ],
  });
  printMessageTable(summary, { amount });
  const { ours, nodemailer } = summary;
  return {
    summary,
    skipped,
    targets: [
      target("S4", "msg/s ≥ 1.5× nodemailer pooled", nodemailer.seconds / ours.seconds, 1.5),
    ],
  };
}
