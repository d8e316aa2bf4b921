// An in-process npm `smtp-server` on 127.0.0.1:0 that records what it received.
//
//   startServer(options?): Promise<TestServer>
//     options: every SMTPServerOptions, plus
//       tls?      KeyPair: the certificate for STARTTLS (or implicit TLS with secure: true);
//                 without it STARTTLS is disabled, so no test can silently fall back to
//                 smtp-server's built-in (publicly known) certificate.
//       dataReply?(message): the onData answer: a string (250 text), an Error with
//                 `responseCode`, or for LMTP one per recipient.
//       listenHost?  the loopback address to listen on, "127.0.0.1" (default) or "::1".
//     The defaults make a plain relay: authOptional, AUTH disabled unless onAuth is given.
//   TestServer
//     address   "127.0.0.1:<port>" (or "[::1]:<port>") for dial()
//     messages  every message received: the envelope as smtp-server parsed it (MAIL FROM
//               and RCPT TO with their decoded parameters, DSN fields) and the exact
//               body bytes after dot-unstuffing
//     lines     the transcript ("C: ..." and "S: ..."), from smtp-server's logger; it
//               redacts AUTH payloads itself
//     commands  the client's command lines only
//     close()   stops the server and ends any connection still open

import type { KeyPair } from "@smtp/test-certs";
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";

export interface ReceivedAddress {
  address: string;
  args: Record<string, string | true>;
  dsn?: { notify?: string[]; orcpt?: string };
}

export interface ReceivedMessage {
  mailFrom: ReceivedAddress;
  rcptTo: ReceivedAddress[];
  dsn: { ret: string | null; envid: string | null } | undefined;
  bodyType: string | undefined;
  smtpUtf8: boolean;
  requireTls: boolean;
  secure: boolean;
  user: unknown;
  body: Buffer;
}

export type DataReply = string | Error | (string | Error)[];

export interface TestServerOptions extends SMTPServerOptions {
  tls?: KeyPair;
  dataReply?: (message: ReceivedMessage) => DataReply | undefined;
  listenHost?: string;
}

export interface TestServer {
  readonly address: string;
  readonly port: number;
  readonly messages: ReceivedMessage[];
  readonly lines: string[];
  readonly commands: string[];
  readonly server: SMTPServer;
  close(): Promise<void>;
}

/** An Error smtp-server turns into a reply with this code. */
export function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function addressOf(value: unknown): ReceivedAddress {
  const a = value as {
    address: string;
    args?: Record<string, string | true> | false;
    dsn?: object;
  };
  return {
    address: a.address,
    args: a.args === false || a.args === undefined ? {} : { ...a.args },
    ...(a.dsn === undefined ? {} : { dsn: { ...(a.dsn as ReceivedAddress["dsn"]) } }),
  };
}

function record(session: SMTPServerSession, body: Buffer): ReceivedMessage {
  const envelope = session.envelope as SMTPServerSession["envelope"] & {
    dsn?: { ret: string | null; envid: string | null };
    bodyType?: string;
    smtpUtf8?: boolean;
    requireTLS?: boolean;
  };
  return {
    mailFrom: addressOf(envelope.mailFrom),
    rcptTo: envelope.rcptTo.map(addressOf),
    dsn: envelope.dsn === undefined ? undefined : { ...envelope.dsn },
    bodyType: envelope.bodyType,
    smtpUtf8: envelope.smtpUtf8 === true,
    requireTls: envelope.requireTLS === true,
    secure: session.secure,
    user: session.user,
    body,
  };
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { tls, dataReply, listenHost = "127.0.0.1", ...rest } = options;
  const messages: ReceivedMessage[] = [];
  const lines: string[] = [];
  const commands: string[] = [];
  const log = (_entry: unknown, message: unknown, ...args: unknown[]) => {
    if (message === "C:" || message === "S:") {
      const line = `${message} ${String(args[0])}`;
      lines.push(line);
      if (message === "C:") commands.push(String(args[0]));
    }
  };
  const noop = () => {};
  const disabled = [...(rest.disabledCommands ?? [])];
  if (tls === undefined) disabled.push("STARTTLS");
  if (rest.onAuth === undefined) disabled.push("AUTH");

  const server = new SMTPServer({
    authOptional: true,
    closeTimeout: 100,
    ...(tls === undefined ? {} : { key: tls.key, cert: tls.cert }),
    ...rest,
    disabledCommands: disabled,
    logger: { debug: log, info: noop, warn: noop, error: noop, trace: noop, fatal: noop } as never,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const message = record(session, Buffer.concat(chunks));
        messages.push(message);
        const reply = dataReply?.(message);
        if (reply instanceof Error) callback(reply);
        else callback(null, reply as string);
      });
    },
  });
  server.on("error", noop);

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, listenHost, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as { port: number }).port;

  let closed: Promise<void> | undefined;
  return {
    address: listenHost.includes(":") ? `[${listenHost}]:${port}` : `${listenHost}:${port}`,
    port,
    messages,
    lines,
    commands,
    server,
    close() {
      closed ??= new Promise<void>((resolve) => {
        // Connections a test left open are told 421 and closed after closeTimeout.
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
