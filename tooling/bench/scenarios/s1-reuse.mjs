// S1 reuse (issues 4 and 6): one connection, 3,000 messages of 1 KiB, back to back.
// Ours: Client.send with the next send already waiting (so with PIPELINING the final dot
// and the next MAIL/RCPT/DATA share a write); nodemailer 10.6.1 SMTPConnection#send one
// after the other (it pipelines the envelope itself); Go net/smtp's Client reused
// (Mail, Rcpt, Data, Close: one round trip each). "ours (BDAT)" is the same with CHUNKING.
import { printMessageTable, quick, runPeers, target } from "../lib/scenario.mjs";

export const name = "s1-reuse";
export const description =
  "one connection, 3,000 × 1 KiB: Client.send vs nodemailer SMTPConnection vs Go net/smtp Client";

export async function run() {
  const amount = quick ? 1000 : 3000;
  const warmup = 10_000;
  const { summary, skipped } = await runPeers({
    mode: "reuse",
    amount,
    warmup,
    // Two warm-up connections of 5,000: the timed connection is then a third one, and
    // what a connection's start and end do is no longer new to the JIT (see the README).
    warmupRounds: 2,
    // CPU per message is the target: sink and client on their own cores (lib/pinning.mjs).
    pin: true,
    messagesPerRun: amount + warmup,
    peers: [
      { key: "ours", label: "ours Client.send", impl: "ours" },
      { key: "oursBdat", label: "ours Client.send (BDAT)", impl: "ours-bdat" },
      { key: "nodemailer", label: "nodemailer SMTPConnection", impl: "nodemailer" },
      { key: "go", label: "Go net/smtp Client", impl: "go" },
    ],
  });
  printMessageTable(summary, { amount });
  const { ours, nodemailer, go } = summary;
  const cpu = (peer) => peer.cpuSeconds;
  return {
    summary,
    skipped,
    targets: [
      target(
        "S1",
        "msg/s ≥ 1.5× nodemailer SMTPConnection",
        nodemailer.seconds / ours.seconds,
        1.5,
      ),
      target("S1", "CPU/msg ≤ ½ nodemailer's (issue 4)", cpu(nodemailer) / cpu(ours), 2),
      target("S1", "CPU/msg ≤ Go net/smtp's", go && cpu(go) / cpu(ours), 1),
    ],
  };
}
