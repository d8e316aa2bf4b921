// send(): one mail transaction, pipelined when the server allows it (RFC 2920).
//
// With PIPELINING, MAIL, every RCPT and DATA go out in ONE write and every reply is
// matched to its command in order. The rules of RFC 2920 §3.1 that make this safe:
//   - every status is checked; the body goes only after a 354 and with at least one
//     accepted recipient;
//   - when DATA was accepted but no recipient was, a lone "." ends it (the server has
//     nobody to deliver to), then RSET;
//   - when DATA was refused, RSET leaves the session ready for the next transaction.
// A 354 cannot be taken back without delivering: a "." would send an empty message to
// the accepted recipients. So in "abort" mode (any refusal fails the transaction before
// DATA, the contract) with several recipients, DATA waits for the RCPT replies: one
// write for MAIL and every RCPT, then DATA. With one recipient, or in "continue" mode,
// DATA joins the batch. Should a server still say 354 when we must abort with some
// recipients accepted (MAIL refused yet RCPT accepted), the connection is closed
// instead (RFC 5321 §4.1.1.4: a server discards a message whose data never ended).
//
// The final dot is written with the dot writer's {flush:false}: it waits in the write
// batch, the lock is released, and a back-to-back send() puts its MAIL/RCPT/DATA in the
// same batch, so two transactions share one write; the final reply is still read in
// pipeline order. Without PIPELINING everything is command by command (Go's SendMail).
//
// CHUNKING (RFC 3030): "BDAT n" + n raw bytes per chunk, "BDAT n LAST" for the end; no
// dot stuffing. BDAT chunks are pipelined when PIPELINING is advertised.
//
// LMTP (RFC 2033 §4.2): after the body, one reply per accepted recipient, in RCPT order.
import type { Response } from "@smtp/textproto";
import type { Client, Reply } from "./client.js";
import { toReply } from "./client.js";
import { bodyChunks, CHUNK_SIZE, knownSize, type MessageBody } from "./data-writer.js";
import {
  InvalidArgumentError,
  RecipientsRefusedError,
  SmtpError,
  SmtpReplyError,
} from "./errors.js";
import {
  checkMailOptions,
  checkRcptOptions,
  type MailOptions,
  type RcptOptions,
} from "./mail-options.js";
import { addressNeedsSmtpUtf8, checkLine } from "./validate.js";

export type { MessageBody } from "./data-writer.js";

export interface Envelope {
  from: string;
  to: readonly (string | { address: string; options?: RcptOptions })[];
  mailOptions?: MailOptions;
  /** "abort" (default, Go's way): any refused recipient fails the transaction before the body.
   *  "continue": send to the accepted ones; at least one must be accepted. */
  onRecipientRefused?: "abort" | "continue";
  /** BDAT instead of DATA when CHUNKING is advertised (RFC 3030). BINARYMIME implies it. */
  chunking?: boolean;
}

export interface RecipientResult {
  address: string;
  ok: boolean;
  reply: Reply;
}

export interface TransactionResult {
  /** Every recipient's RCPT outcome, in the order given. */
  recipients: RecipientResult[];
  accepted: string[];
  rejected: RecipientResult[];
  /** The final reply after the body (LMTP: the first delivery reply that succeeded). */
  reply: Reply;
  /** LMTP: one delivery result per accepted recipient. */
  lmtp?: RecipientResult[];
}

const utf8 = new TextEncoder();
const DOT_LINE = utf8.encode(".\r\n");

interface Recipient {
  address: string;
  options: RcptOptions | undefined;
}

function normaliseRecipients(to: Envelope["to"]): Recipient[] {
  if (!Array.isArray(to) || to.length === 0) {
    throw new InvalidArgumentError("an envelope needs at least one recipient");
  }
  return to.map((r: Envelope["to"][number]) => {
    if (typeof r === "string") return { address: r, options: undefined };
    if (r !== null && typeof r === "object" && typeof r.address === "string") {
      return { address: r.address, options: r.options };
    }
    throw new InvalidArgumentError("a recipient must be a string or { address, options? }");
  });
}

/**
 * What one transaction will write, worked out (and checked) before a byte is written.
 * Built once per message by planTransaction; the steps below only read it. The steps are
 * small functions on purpose: the message path is hot, and V8 recompiles a function
 * whole when a path it never saw is taken (a new connection's first message), so a
 * small unit costs little to recompile where one large one cost ~100 ms.
 */
interface Plan {
  mode: "abort" | "continue";
  recipients: Recipient[];
  mailLine: string;
  rcptLines: string[];
  payload: MessageBody;
  chunking: boolean;
  pipelining: boolean;
  /** DATA goes in the envelope's batch (see the top of the file). */
  dataInBatch: boolean;
}

interface EnvelopeReplies {
  mail: Reply;
  rcpts: Reply[];
  /** DATA's reply when DATA was in the batch. */
  data: Reply | undefined;
}

interface Tally {
  results: RecipientResult[];
  accepted: RecipientResult[];
  rejected: RecipientResult[];
  firstRejected: number;
}

/**
 * Runs the transaction while holding the client's lock; `release` may be called early.
 * Client.send has checked the envelope (checkEnvelope) and done the hello.
 */
export async function runTransaction(
  client: Client,
  envelope: CheckedEnvelope,
  body: MessageBody,
  release: () => void,
): Promise<TransactionResult> {
  const plan = planTransaction(client, envelope, body);
  const replies = plan.pipelining
    ? await sendEnvelopePipelined(client, plan)
    : await sendEnvelopeInTurn(client, plan);
  const tally = tallyRecipients(plan.recipients, replies.rcpts);
  const failure = envelopeFailure(plan, replies.mail, tally);
  if (failure !== undefined) {
    await abandon(client, replies.data, tally.accepted.length, failure);
    throw failure;
  }
  if (!plan.chunking) await startData(client, replies.data);
  const finals = await sendBody(client, plan, client.lmtp ? tally.accepted.length : 1);
  const allReplies = await finalReplies(client, plan.pipelining, finals, release);
  return transactionResult(client, tally, finals, allReplies);
}

/** An envelope whose every part was checked, with its recipients in one shape. */
export interface CheckedEnvelope {
  envelope: Envelope;
  mode: "abort" | "continue";
  recipients: Recipient[];
}

/** 1. Everything that can be checked without the server is checked before a byte is written (the hello included). */
export function checkEnvelope(envelope: Envelope): CheckedEnvelope {
  if (typeof envelope?.from !== "string") {
    throw new InvalidArgumentError("envelope.from must be a string");
  }
  const mode = envelope.onRecipientRefused ?? "abort";
  if (mode !== "abort" && mode !== "continue") {
    throw new InvalidArgumentError('onRecipientRefused must be "abort" or "continue"');
  }
  const recipients = normaliseRecipients(envelope.to);
  checkLine(envelope.from, "the sender address");
  checkMailOptions(envelope.mailOptions);
  for (const r of recipients) {
    checkLine(r.address, "a recipient address");
    checkRcptOptions(r.options);
  }
  return { envelope, mode, recipients };
}

/** 2. Every line built against the server's extensions (which may still refuse a value). */
function planTransaction(client: Client, checked: CheckedEnvelope, body: MessageBody): Plan {
  const { envelope, mode, recipients } = checked;
  const ext = client.extensionMap ?? new Map<string, string>();
  const mailOptions: MailOptions = { ...envelope.mailOptions };
  const chunking =
    (envelope.chunking === true || mailOptions.body === "BINARYMIME") && ext.has("CHUNKING");
  // A string body is encoded once, here, for SIZE and for the wire.
  const payload: MessageBody = typeof body === "string" ? utf8.encode(body) : body;
  // RFC 1870 §3: declare the size when it is known, so an oversized message fails early.
  // Counted only when it will be sent: the count scans every line of the body.
  if (mailOptions.size === undefined && ext.has("SIZE")) {
    const size = knownSize(payload, chunking, client.bareCr);
    if (size !== undefined) mailOptions.size = size;
  }
  const needsUtf8 =
    addressNeedsSmtpUtf8(envelope.from) || recipients.some((r) => addressNeedsSmtpUtf8(r.address));
  return {
    mode,
    recipients,
    mailLine: client.mailLine(envelope.from, mailOptions, needsUtf8),
    rcptLines: recipients.map((r) => client.rcptLine(r.address, r.options)),
    payload,
    chunking,
    pipelining: ext.has("PIPELINING"),
    // DATA joins the batch only when a 354 can never force us to deliver what the caller
    // wanted aborted: in "continue" mode, or with one recipient (refused means nobody is
    // accepted, and a lone dot then delivers nothing). In "abort" mode with several
    // recipients DATA waits for the RCPT replies: once a server said 354, the data can
    // only be ended by delivering it (RFC 2920 §3.1) or by dropping the connection.
    dataInBatch: !chunking && (mode === "continue" || recipients.length === 1),
  };
}

/** 3a. The envelope in one write (RFC 2920); every reply read in order. */
async function sendEnvelopePipelined(client: Client, plan: Plan): Promise<EnvelopeReplies> {
  const { mailLine, rcptLines, dataInBatch, recipients } = plan;
  const lines = dataInBatch ? [mailLine, ...rcptLines, "DATA"] : [mailLine, ...rcptLines];
  const replies = await client.guard("command", client.timeouts.command, async () => {
    // Every cmd() in this synchronous loop joins one batch: one write (textproto Conn).
    const pending: Promise<Response>[] = [];
    for (const line of lines) pending.push(client.text.cmd(line, 0));
    // Read in order; every reply is waited for (the pipeline stays in step) and the
    // first failure is reported against its command. A read rejected before its turn
    // is already handled: the textproto Pipeline chains a handler onto every read.
    const replies: Reply[] = [];
    let failedAt = -1;
    let failure: unknown;
    for (let i = 0; i < pending.length; i++) {
      try {
        replies.push(toReply(await pending[i]!));
      } catch (err) {
        if (failedAt < 0) {
          failedAt = i;
          failure = err;
        }
      }
    }
    if (failedAt >= 0) {
      // A server that refuses with 421 closes the channel (RFC 5321 §3.8), so the
      // replies after it never come: report the reply that said why, as the
      // command-by-command path would, not the closed connection it left behind.
      const said = replies.slice(0, failedAt).findIndex((r) => r.code >= 400);
      if (said >= 0) throw refusalInBatch(replies.slice(0, said + 1), lines, recipients);
      throw client.mapError(failure, "command", lines[failedAt]);
    }
    return replies;
  });
  return {
    mail: replies[0]!,
    rcpts: replies.slice(1, 1 + rcptLines.length),
    data: dataInBatch ? replies[replies.length - 1] : undefined,
  };
}

/** 3b. Without PIPELINING: command by command (Go's SendMail); a refused MAIL stops here. */
async function sendEnvelopeInTurn(client: Client, plan: Plan): Promise<EnvelopeReplies> {
  const mail = await client.cmd("command", 0, plan.mailLine);
  if (mail.code !== 250) {
    throw new SmtpReplyError(mail, { phase: "command", command: plan.mailLine });
  }
  const rcpts: Reply[] = [];
  for (const line of plan.rcptLines) rcpts.push(await client.cmd("command", 0, line));
  return { mail, rcpts, data: undefined };
}

/** Every recipient's result, the accepted and the refused ones, in one pass. */
function tallyRecipients(recipients: readonly Recipient[], replies: readonly Reply[]): Tally {
  const results: RecipientResult[] = [];
  const accepted: RecipientResult[] = [];
  const rejected: RecipientResult[] = [];
  let firstRejected = -1;
  for (let i = 0; i < recipients.length; i++) {
    const reply = replies[i]!;
    const result = {
      address: recipients[i]!.address,
      ok: Math.trunc(reply.code / 10) === 25,
      reply,
    };
    results.push(result);
    if (result.ok) accepted.push(result);
    else {
      if (firstRejected < 0) firstRejected = i;
      rejected.push(result);
    }
  }
  return { results, accepted, rejected, firstRejected };
}

/** Why the transaction cannot go on to the body, if it cannot. */
function envelopeFailure(plan: Plan, mail: Reply, tally: Tally): SmtpError | undefined {
  if (mail.code !== 250) {
    return new SmtpReplyError(mail, { phase: "command", command: plan.mailLine });
  }
  const { accepted, rejected } = tally;
  if (accepted.length === 0 || (rejected.length > 0 && plan.mode === "abort")) {
    return new RecipientsRefusedError(tally.results, {
      phase: "command",
      command: plan.rcptLines[tally.firstRejected],
      allRefused: accepted.length === 0,
    });
  }
  return undefined;
}

/** DATA (unless its 354 already came in the batch); a refusal resets the session. */
async function startData(client: Client, batched: Reply | undefined): Promise<void> {
  const reply = batched ?? (await client.cmd("data", 0, "DATA"));
  if (reply.code === 354) return;
  const refused = new SmtpReplyError(reply, { phase: "data", command: "DATA" });
  await resetQuietly(client);
  throw refused;
}

/** 4. The body; the final reply(ies) are queued in pipeline order, not yet read. */
async function sendBody(client: Client, plan: Plan, finalCount: number): Promise<Finals> {
  try {
    return plan.chunking
      ? await sendChunked(client, plan.payload, plan.pipelining, finalCount)
      : await sendDotted(client, plan.payload, finalCount);
  } catch (err) {
    // A refused BDAT chunk: the transaction failed, the session is still in step.
    if (err instanceof SmtpReplyError) await resetQuietly(client);
    throw err;
  }
}

/**
 * 5. The final replies, once our last bytes are written. With PIPELINING the next
 * transaction may write first: its commands join the batch that holds our final dot.
 * Without it, RFC 2920 forbids that: the lock is kept until the reply.
 */
async function finalReplies(
  client: Client,
  pipelining: boolean,
  finals: Finals,
  release: () => void,
): Promise<Reply[]> {
  const t = client.timeouts;
  let flushed: Promise<void>;
  if (pipelining) {
    release();
    // Runs once the microtask queue has drained (here, in a promise reaction, Node runs
    // a nextTick after it), i.e. after a waiting send() has had its turn to add
    // MAIL/RCPT/DATA to the batch, which then leaves with our dot in one write. A write
    // error also destroys the reader, so the final read reports it.
    flushed = new Promise<void>((resolve) => {
      process.nextTick(() => {
        client.text.flush().then(resolve, () => resolve());
      });
    });
  } else {
    flushed = client.guard("final-reply", t.finalReply, () => client.text.flush());
    await flushed;
  }
  return client.guard("final-reply", t.finalReply, async () => {
    // Never report a result for bytes still in our buffer.
    const replies = await finals.replies;
    await flushed;
    return replies;
  });
}

/** 6. The outcome: refused BDAT chunks, LMTP's per-recipient replies, the final reply. */
function transactionResult(
  client: Client,
  tally: Tally,
  finals: Finals,
  allReplies: readonly Reply[],
): TransactionResult {
  const chunkCount = finals.chunkLines.length;
  for (let i = 0; i < chunkCount; i++) {
    const chunkReply = allReplies[i]!;
    if (chunkReply.code === 250) continue;
    // RFC 3030 §2: after a refused chunk the whole message is refused. The LAST chunk
    // ended the transaction, and the lock may already be another send()'s: no RSET.
    throw new SmtpReplyError(chunkReply, { phase: "data", command: finals.chunkLines[i] });
  }
  const finalReplies = chunkCount === 0 ? allReplies : allReplies.slice(chunkCount);
  const { results, accepted, rejected } = tally;
  if (client.lmtp) return lmtpResult(tally, finals, finalReplies);
  const reply = finalReplies[0]!;
  if (reply.code !== 250) {
    throw new SmtpReplyError(reply, { phase: "final-reply", command: finals.command });
  }
  return { recipients: results, accepted: accepted.map((r) => r.address), rejected, reply };
}

/** LMTP (RFC 2033 §4.2): one delivery reply per accepted recipient; one success suffices. */
function lmtpResult(tally: Tally, finals: Finals, replies: readonly Reply[]): TransactionResult {
  const lmtp = tally.accepted.map((r, i) => {
    const reply = replies[i]!;
    return { address: r.address, ok: reply.code === 250, reply };
  });
  const delivered = lmtp.find((r) => r.ok);
  if (delivered === undefined) {
    throw new RecipientsRefusedError(lmtp, {
      phase: "final-reply",
      command: finals.command,
      allRefused: true,
    });
  }
  return {
    recipients: tally.results,
    accepted: tally.accepted.map((r) => r.address),
    rejected: tally.rejected,
    reply: delivered.reply,
    lmtp,
  };
}

interface Finals {
  /** Replies queued in pipeline order before the lock is released: first those of the
   *  earlier BDAT chunks (pipelined), then the final reply(ies). */
  replies: Promise<Reply[]>;
  /** How many of `replies` belong to earlier BDAT chunks, and their command lines. */
  chunkLines: string[];
  command: string;
}

/**
 * The error for a pipelined envelope whose last reply in `replies` is a refusal after
 * which the server went away: MAIL's reply, a RCPT's (per recipient, as RCPT refusals
 * always are), or DATA's.
 */
function refusalInBatch(
  replies: readonly Reply[],
  lines: readonly string[],
  recipients: readonly { address: string }[],
): SmtpError {
  const at = replies.length - 1;
  const reply = replies[at]!;
  if (at === 0) return new SmtpReplyError(reply, { phase: "command", command: lines[0] });
  if (at > recipients.length) return new SmtpReplyError(reply, { phase: "data", command: "DATA" });
  const results = replies.slice(1).map((r, i) => ({
    address: recipients[i]!.address,
    ok: Math.trunc(r.code / 10) === 25,
    reply: r,
  }));
  return new RecipientsRefusedError(results, {
    phase: "command",
    command: lines[at],
    allRefused: !results.some((r) => r.ok),
  });
}

/** Leaves the transaction without a message (RFC 2920 §3.1), so the session stays usable. */
async function abandon(
  client: Client,
  dataReply: Reply | undefined,
  acceptedCount: number,
  failure: SmtpError,
): Promise<void> {
  if (dataReply !== undefined && dataReply.code === 354) {
    if (acceptedCount > 0) {
      // Only closing the connection cancels without delivering (see the top of the file).
      client.fail(failure);
      return;
    }
    // Nobody to deliver to: a lone dot ends the data (RFC 2920 §3.1); its reply is a refusal.
    await client
      .guard("command", client.timeouts.command, async () => {
        client.text.writer.writeBytes(DOT_LINE);
        const reply = client.text.expect(0);
        await client.text.flush();
        await reply;
      })
      .catch(() => {});
  }
  await resetQuietly(client);
}

async function resetQuietly(client: Client): Promise<void> {
  if (client.closed) return;
  try {
    await client.cmd("command", 250, "RSET");
  } catch {
    // The transaction's own error is what the caller needs; a dead session shows next time.
  }
}

/**
 * The DATA body through textproto's dot encoder (RFC 5321 §4.5.2). Encoded bytes gather
 * in the write batch; an in-memory body is flushed each CHUNK_SIZE (waiting for 'drain'
 * under backpressure), so a small message and its terminator leave in one write, and a
 * stream's chunk is flushed as it arrives. The
 * terminator itself is not flushed (the dotWriter({flush:false}) idea): with
 * PIPELINING, the next transaction's MAIL joins that write.
 */
async function sendDotted(client: Client, body: MessageBody, replies: number): Promise<Finals> {
  const encoder = client.dotEncoder();
  const writer = client.text.writer;
  // A stream may pause between chunks: what it gave goes out at once. An in-memory body
  // is all there: gather it.
  const inMemory = typeof body === "string" || body instanceof Uint8Array;
  let unflushed = 0;
  if (body instanceof Uint8Array) {
    // All there already (a string was encoded by runTransaction): encoded straight into
    // the batch, with no source to wait for (pump's per-chunk promises cost per message).
    for (let at = 0; at < body.length; at += CHUNK_SIZE) {
      const chunk = body.length <= CHUNK_SIZE ? body : body.subarray(at, at + CHUNK_SIZE);
      unflushed += writer.writeDotted(encoder, chunk);
      if (unflushed >= CHUNK_SIZE) {
        unflushed = 0;
        await client.guard("data", client.timeouts.command, () => writer.flush());
      }
    }
  } else {
    await pump(client, body, async (chunk) => {
      unflushed += writer.writeDotted(encoder, chunk);
      if (!inMemory || unflushed >= CHUNK_SIZE) {
        unflushed = 0;
        await client.guard("data", client.timeouts.command, () => writer.flush());
      }
    });
  }
  writer.writeBytes(encoder.end());
  const reads: Promise<Reply>[] = [];
  for (let i = 0; i < replies; i++) reads.push(client.text.expect(0).then(toReply));
  return { replies: settle(client, reads, "."), chunkLines: [], command: "." };
}

/**
 * BDAT chunks (RFC 3030 §2), coalesced to CHUNK_SIZE, the last one marked LAST. With
 * PIPELINING no chunk waits for the reply to the one before; a refused chunk is then
 * found when the replies are read. Without it each reply is awaited, and a refusal
 * stops the body (RFC 3030 §2: no further BDAT after a failure).
 *
 * The bytes go as they are, whatever ClientOptions.bareCr says: BDAT is binary-clean
 * (BINARYMIME), and each chunk's length is declared, so no byte in it can end the data
 * early (no SMTP smuggling).
 */
async function sendChunked(
  client: Client,
  body: MessageBody,
  pipelining: boolean,
  replies: number,
): Promise<Finals> {
  const earlier: { line: string; reply: Promise<Reply> }[] = [];
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  const writeChunk = (line: string, parts: Uint8Array[]): Promise<Reply> => {
    // The command line and its bytes join one batch; cmd() flushes it a microtask later.
    const reply = client.text.cmd(line, 0).then(toReply);
    for (const part of parts) client.text.writer.writeBytes(part);
    return reply;
  };

  await pump(client, body, async (chunk) => {
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < CHUNK_SIZE) return;
    const parts = held;
    const line = `BDAT ${heldBytes}`;
    held = [];
    heldBytes = 0;
    await client.guard(
      "data",
      client.timeouts.command,
      async () => {
        const reply = writeChunk(line, parts);
        await client.text.flush();
        if (pipelining) {
          reply.catch(() => {});
          earlier.push({ line, reply });
          return;
        }
        const r = await reply;
        if (r.code !== 250) throw new SmtpReplyError(r, { phase: "data", command: line });
      },
      line,
    );
  });

  // The LAST chunk stays in the write batch like DATA's final dot: with PIPELINING the
  // next transaction's MAIL/RCPT joins its write (one write per message); the caller
  // flushes it otherwise. Its reply is queued in pipeline order before the lock goes.
  const line = `BDAT ${heldBytes} LAST`;
  const reads: Promise<Reply>[] = earlier.map((e) => e.reply);
  client.queueLine("final-reply", line);
  for (const part of held) client.text.writer.writeBytes(part);
  for (let i = 0; i < replies; i++) reads.push(client.text.expect(0).then(toReply));
  return {
    replies: settle(client, reads, line),
    chunkLines: earlier.map((e) => e.line),
    command: line,
  };
}

/** Maps a transport failure on a final read to this package's error, phase "final-reply". */
function settle(client: Client, reads: Promise<Reply>[], command: string): Promise<Reply[]> {
  const all = Promise.all(reads).catch((err: unknown) => {
    throw client.mapError(err, "final-reply", command);
  });
  // Read later under the final-reply deadline; never an unhandled rejection meanwhile.
  all.catch(() => {});
  return all;
}

/** A failure of the caller's body source (not of the connection). */
class BodySourceError extends SmtpError {}

/**
 * Pulls the body chunk by chunk. Waiting for the source is under the command deadline,
 * the total deadline and the signal like any write: a stalled source must not hold the
 * session forever. A failing source ends the session (the data is half sent).
 */
async function pump(
  client: Client,
  body: MessageBody,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  if (body instanceof Uint8Array) {
    // All there already (a string was encoded by runTransaction): no source to wait for.
    for (let at = 0; at < body.length; at += CHUNK_SIZE) {
      await write(body.subarray(at, at + CHUNK_SIZE));
    }
    return;
  }
  const chunks = bodyChunks(body);
  for (;;) {
    let next: IteratorResult<Uint8Array, void>;
    try {
      next = await client.guard("data", client.timeouts.command, async () => {
        try {
          return await chunks.next();
        } catch (err) {
          throw new BodySourceError(
            `reading the message body failed: ${err instanceof Error ? err.message : String(err)}`,
            { phase: "data", cause: err },
          );
        }
      });
    } catch (err) {
      // The server is inside DATA/BDAT with part of a message: only closing cancels it.
      if (err instanceof BodySourceError) client.fail(err);
      // Not awaited: a generator stuck in its own await would never answer.
      chunks.return(undefined).catch(() => {});
      throw err;
    }
    if (next.done === true) return;
    try {
      await write(next.value);
    } catch (err) {
      chunks.return(undefined).catch(() => {});
      throw err;
    }
  }
}
