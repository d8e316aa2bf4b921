// S5 latency (issue 6): S1 with 300 messages through a proxy that delays each direction by
// 5 ms (10 ms round trip), in the sink's process. Here the round trips per message decide:
// "RTT/msg" is the time per message in round trips; "turns/msg" counts, at the proxy, how
// often the client spoke again after the server had (each such turn is a wait for a reply;
// the warm-up is included). "ours (await each)" awaits every send, for comparison.
import { printMessageTable, quick, runPeers, target } from "../lib/scenario.mjs";

export const name = "s5-latency";
export const description =
  "S1 with 300 messages over a 10 ms round-trip link: round trips per message";

const delayMs = 5;

export async function run() {
  const amount = quick ? 100 : 300;
  const warmup = 20;
  const { summary, skipped } = await runPeers({
    mode: "reuse",
    amount,
    warmup,
    delayMs,
    messagesPerRun: amount + warmup,
    reps: quick ? 1 : 3,
    peers: [
      { key: "ours", label: "ours Client.send", impl: "ours" },
      { key: "oursBdat", label: "ours Client.send (BDAT)", impl: "ours-bdat" },
      { key: "oursSeq", label: "ours (await each send)", impl: "ours-seq" },
      { key: "nodemailer", label: "nodemailer SMTPConnection", impl: "nodemailer" },
      { key: "go", label: "Go net/smtp Client", impl: "go" },
    ],
  });
  const rtt = (2 * delayMs) / 1000;
  printMessageTable(summary, { amount, rtt, messagesPerRun: amount + warmup });
  const { ours, nodemailer, go } = summary;
  return {
    summary,
    skipped,
    targets: [
      target("S5", "≥ 3× Go net/smtp (waits for each reply)", go && go.seconds / ours.seconds, 3),
      target("S5", "≥ 3× nodemailer SMTPConnection", nodemailer.seconds / ours.seconds, 3),
      // Counted at the proxy (turns/msg, warm-up included), not derived from time: on a
      // loaded machine the proxy's 5 ms timers fire late and stretch every peer alike.
      target(
        "S5",
        "round trips per message ≤ 1.1 (turns at the proxy)",
        ours.turns / (amount + warmup),
        1.1,
        {
          atMost: true,
          unit: "RTT",
        },
      ),
    ],
  };
}
