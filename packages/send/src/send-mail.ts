import type { Client, Envelope, MessageBody, TransactionResult } from "@smtp/client";
import { checkAddresses } from "./address.js";
import { checkOptions, type SendMailOptions, type SessionAuth } from "./options.js";
import { closeQuietly, openSession, quitQuietly } from "./session.js";

/** What sendMail resolves with: every recipient's result and the final reply. */
export type SendMailResult = TransactionResult;

/**
 * Go's smtp.SendMail (DESIGN §5): checks `from` and every `to` (nothing is
 * dialed when one is bad), dials `addr` ("host:port"), says hello, upgrades with
 * STARTTLS as `options.tls` says, authenticates when `auth` is given, then sends
 * MAIL, RCPT for each recipient, the body (streamed) and QUIT.
 *
 * Any failure closes the connection and rejects with the typed error from
 * @smtp/client or @smtp/send. It resolves once the server has accepted the
 * message (250 after the final dot); QUIT then completes in the background
 * unless `awaitQuit` is set, and a failing QUIT never turns success into an error.
 */
export async function sendMail(
  addr: string,
  auth: SessionAuth,
  from: string,
  to: readonly string[],
  msg: MessageBody,
  options: SendMailOptions = {},
): Promise<SendMailResult> {
  checkAddresses(from, to);
  checkOptions(options);
  const client = await openSession(addr, auth, options);
  const [pipelining] = await client.extension("PIPELINING");
  const sending = client.send(envelopeOf(from, to, options), msg);
  // With PIPELINING, QUIT may end the group that carries the final dot (RFC 2920 §3.1):
  // send() hands the session over once the dot is queued, so QUIT joins that write and
  // its reply is read after the dot's. The result is still the reply to the dot; one
  // write and one server turn per message fewer. Without PIPELINING, QUIT waits.
  const quitting = pipelining ? quitQuietly(client) : undefined;
  let result: TransactionResult;
  try {
    result = await sending;
  } catch (error) {
    await closeQuietly(client);
    throw error;
  }
  if (options.awaitQuit) await (quitting ?? quitQuietly(client));
  else quitInBackground(client, quitting);
  return result;
}

/** How long a background QUIT may wait for its 221 before the socket is closed. */
const BACKGROUND_QUIT_MS = 10_000;

/**
 * The message is accepted; QUIT's reply can tell us nothing more about it. Send
 * QUIT now (unless it already went with the dot) and let the reply arrive after
 * sendMail has resolved (Nodemailer does the same), so one-shot sending costs one
 * round trip less. A server that never answers cannot keep the socket (and the
 * process) alive past BACKGROUND_QUIT_MS.
 */
function quitInBackground(client: Client, quitting?: Promise<void>): void {
  const timer = setTimeout(() => void closeQuietly(client), BACKGROUND_QUIT_MS);
  timer.unref();
  void (quitting ?? quitQuietly(client)).finally(() => clearTimeout(timer));
}

/** The Envelope for @smtp/client from sendMail's arguments and options. */
export function envelopeOf(
  from: string,
  to: readonly string[],
  options: Pick<SendMailOptions, "mailOptions" | "rcptOptions" | "onRecipientRefused" | "chunking">,
): Envelope {
  const rcptOptions = options.rcptOptions;
  return {
    from,
    to: rcptOptions ? to.map((address) => ({ address, options: rcptOptions })) : to,
    ...(options.mailOptions ? { mailOptions: options.mailOptions } : {}),
    ...(options.onRecipientRefused ? { onRecipientRefused: options.onRecipientRefused } : {}),
    ...(options.chunking !== undefined ? { chunking: options.chunking } : {}),
  };
}
