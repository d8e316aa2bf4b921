import type { Envelope, MessageBody, TransactionResult } from "@smtp/client";
import { checkAddresses } from "./address.js";
import type { SendMailOptions, SessionAuth } from "./options.js";
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
 * @smtp/client or @smtp/send. Once the server has accepted the message (250
 * after the final dot), a failing QUIT does not turn success into an error.
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
  const client = await openSession(addr, auth, options);
  let result: TransactionResult;
  try {
    result = await client.send(envelopeOf(from, to, options), msg);
  } catch (error) {
    await closeQuietly(client);
    throw error;
  }
  await quitQuietly(client);
  return result;
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
