import { createSender, type SenderOptions, type SendResult } from "../../src/index.js";

// The load tests (pool-chaos here, faults-under-load in tooling/resilience) send N
// numbered messages through one pooled sender, then hold every result against what the
// server stored: each message stored exactly once, or reported failed/unknown; none
// twice; a "sent" one stored once; a "failed" or "refused" one not at all.

export interface NumberedRun {
  /** How many messages, numbered 0 .. messages-1. */
  messages: number;
  /** Message i goes to `r${i % recipients}@example.org`. */
  recipients: number;
  /** Message i has `Subject: ${subject} ${i}`. */
  subject: string;
}

/** The exact bytes of message `i`; the server must store these and no others. */
export function numberedBody(run: NumberedRun, i: number): string {
  return `X-Msg-Id: ${i}\r\nSubject: ${run.subject} ${i}\r\n\r\nmessage ${i}\r\n`;
}

/** Sends the run through a new sender, waiting for queue room before each message; closes it. */
export async function sendNumbered(
  options: SenderOptions,
  run: NumberedRun,
): Promise<{ results: SendResult[]; seconds: number }> {
  const sender = createSender(options);
  const started = performance.now();
  const pending: Promise<SendResult>[] = [];
  for (let i = 0; i < run.messages; i++) {
    await sender.ready();
    pending.push(
      sender.send({
        from: "bulk@example.org",
        to: [`r${i % run.recipients}@example.org`],
        body: numberedBody(run, i),
      }),
    );
  }
  const results = await Promise.all(pending);
  await sender.close();
  return { results, seconds: (performance.now() - started) / 1000 };
}

export interface Accounting {
  counts: Record<SendResult["outcome"], number>;
  /** Reported "unknown" but stored (once): the server got it, the client could not know. */
  unknownStored: number;
  /** Results that took more than one attempt. */
  retried: number;
  /** Every broken promise, one line each; empty when all is well. */
  wrong: string[];
}

/** Holds each result against the bodies the server stored (as latin1 strings). */
export function accountFor(run: NumberedRun, results: SendResult[], stored: string[]): Accounting {
  const times = new Map<number, number>();
  const wrong: string[] = [];
  for (const body of stored) {
    const id = Number(/^X-Msg-Id: (\d+)\r\n/.exec(body)?.[1]);
    if (!(id >= 0 && id < run.messages))
      wrong.push(`a message nobody sent: ${JSON.stringify(body.slice(0, 40))}`);
    else if (body !== numberedBody(run, id)) wrong.push(`#${id} stored with other bytes`);
    times.set(id, (times.get(id) ?? 0) + 1);
  }
  const counts = { sent: 0, refused: 0, failed: 0, unknown: 0 };
  let unknownStored = 0;
  let retried = 0;
  results.forEach((r, i) => {
    counts[r.outcome]++;
    if (r.attempts > 1) retried++;
    const n = times.get(i) ?? 0;
    if (n > 1) wrong.push(`#${i} stored ${n} times`);
    if (r.outcome === "sent" && n !== 1) wrong.push(`#${i} reported sent, stored ${n} times`);
    if ((r.outcome === "failed" || r.outcome === "refused") && n !== 0)
      wrong.push(`#${i} reported ${r.outcome}, stored`);
    if (r.outcome === "unknown" && n === 1) unknownStored++;
  });
  return { counts, unknownStored, retried, wrong };
}
