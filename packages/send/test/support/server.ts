import type { AddressInfo, Socket } from "node:net";
import type { TlsOptions } from "node:tls";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

export interface Received {
  from: string;
  to: string[];
  data: Buffer;
  user: string | undefined;
  secure: boolean;
}

export interface AuthAttempt {
  method: string;
  username: string | undefined;
}

export interface TestServer {
  addr: string;
  port: number;
  received: Received[];
  auths: AuthAttempt[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Destroys every open client connection (the server stays up). */
  dropConnections(): void;
  close(): Promise<void>;
}

export const USER = "demo";
export const PASSWORD = "s3cret pass";
export const TOKEN = "ya29.token";

/**
 * smtp-server in-process on 127.0.0.1:0 that records every message it accepts.
 * Users: demo / "s3cret pass" for PLAIN, LOGIN, CRAM-MD5; demo + TOKEN for XOAUTH2.
 */
export type ServerOptions = SMTPServerOptions &
  // smtp-server's own typings lose the node:tls options (a default import of
  // node:tls without esModuleInterop), so they are added back here.
  Pick<TlsOptions, "key" | "cert"> & { refuse?: (address: string) => string | undefined };

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const received: Received[] = [];
  const auths: AuthAttempt[] = [];
  const sockets = new Set<Socket>();
  const { refuse, ...rest } = options;
  const state = { connections: 0 };
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    ...(rest as SMTPServerOptions),
    onAuth(auth, _session, callback) {
      auths.push({ method: auth.method, username: auth.username });
      const ok =
        auth.username === USER &&
        (auth.method === "XOAUTH2"
          ? auth.accessToken === TOKEN
          : auth.method === "CRAM-MD5"
            ? auth.validatePassword(PASSWORD)
            : auth.password === PASSWORD);
      if (ok) callback(null, { user: USER });
      else if (auth.method === "XOAUTH2")
        callback(null, { data: { status: "401", schemes: "bearer" } });
      else callback(new Error("Invalid username or password"));
    },
    onRcptTo(address, _session, callback) {
      const reason = refuse?.(address.address);
      if (reason) {
        const err = new Error(reason.replace(/^\d{3} /, "")) as Error & { responseCode: number };
        err.responseCode = Number(reason.slice(0, 3)) || 550;
        callback(err);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks),
          user: typeof session.user === "string" ? session.user : undefined,
          secure: session.secure,
        });
        callback();
      });
    },
  });
  // A client that vanishes mid-reply (the chaos proxy) makes smtp-server emit
  // EPIPE/ECONNRESET on the server object; that is expected here.
  server.on("error", () => {});
  server.server.on("connection", (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    addr: `127.0.0.1:${port}`,
    port,
    received,
    auths,
    get connections() {
      return state.connections;
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
