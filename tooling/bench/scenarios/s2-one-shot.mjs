// S2 one-shot (issues 5 and 6): 500 × (connect, EHLO, MAIL, RCPT, DATA, QUIT), one after
// the other. Ours: sendMail(); nodemailer: createTransport({ pool: false }).sendMail with
// a raw message (no MIME building); Go: smtp.SendMail.
import { printMessageTable, quick, runPeers, target } from "../lib/scenario.mjs";

export const name = "s2-one-shot";
export const description =
  "500 × sendMail (new connection each): sendMail vs nodemailer pool:false vs Go smtp.SendMail";

export async function run() {
  const amount = quick ? 200 : 500;
  // 2,000 sessions: each session runs code a reused connection never does (connect,
  // greeting, EHLO, QUIT, close), and after 100 V8 was still compiling it in the timed
  // part (ours measured 0.48x Go that way: 1,334 µs CPU/msg, against 315-360 when settled).
  const warmup = 2000;
  const { summary, skipped } = await runPeers({
    mode: "oneshot",
    // CPU-bound per session: sink and client on their own cores (lib/pinning.mjs).
    pin: true,
    amount,
    warmup,
    messagesPerRun: amount + warmup,
    peers: [
      { key: "ours", label: "ours sendMail", impl: "ours" },
      { key: "nodemailer", label: "nodemailer pool:false", impl: "nodemailer" },
      { key: "go", label: "Go smtp.SendMail", impl: "go" },
    ],
  });
  printMessageTable(summary, { amount });
  const { ours, nodemailer, go } = summary;
  return {
    summary,
    skipped,
    targets: [
      target(
        "S2",
        "msg/s ≥ 1.3× nodemailer pool:false (issue 5)",
        nodemailer.seconds / ours.seconds,
        1.3,
      ),
      target("S2", "msg/s ≥ Go smtp.SendMail", go && go.seconds / ours.seconds, 1),
    ],
  };
}
