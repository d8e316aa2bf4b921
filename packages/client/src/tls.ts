// STARTTLS (RFC 3207) once the server said 220, and channel binding for SCRAM-PLUS.
//
// Response injection (CVE-2011-0411 and its many cousins): a man in the middle can
// append replies after the server's "220 Ready to start TLS" while the connection is
// still plain text; a client that keeps its read buffer would later take them as
// replies from inside TLS. Conn.detach() tells how many bytes were buffered and unread;
// any is an error, and the buffer is dropped either way.

import * as net from "node:net";
import type { Duplex } from "node:stream";
import type * as tls from "node:tls";
import type { ChannelBinding } from "@smtp/auth";
import type { Conn } from "@smtp/textproto";
import { TlsError } from "./errors.js";
import { isTlsSocket, nodeTls } from "./node-tls.js";

/**
 * Wraps the Conn's transport in TLS and rebinds the Conn to it. The certificate and the
 * host name are verified unless `tlsOptions.rejectUnauthorized` is false. On failure the
 * Conn is destroyed (the plain-text session cannot be resumed after a half handshake).
 */
export async function upgradeToTls(
  conn: Conn,
  host: string,
  tlsOptions: tls.ConnectionOptions,
): Promise<void> {
  const injected = conn.detach();
  if (injected > 0) {
    const err = new TlsError(
      `the server sent ${injected} bytes after its 220 reply to STARTTLS and before the TLS handshake (response injection)`,
      { code: "ERR_STARTTLS_INJECTION" },
    );
    conn.destroy(err);
    throw err;
  }
  const plain = conn.transport;
  const secure = nodeTls().connect({
    // Node checks the certificate against `host` (or `servername`); an IP address is not a
    // valid SNI name (RFC 6066 §3), so it is sent only for a DNS name.
    host,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...tlsOptions,
    socket: plain as net.Socket,
    rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
  });
  try {
    await handshake(secure, host);
  } catch (err) {
    secure.destroy();
    conn.destroy(err as Error);
    throw err;
  }
  conn.rebind(secure);
}

/** Resolves on secureConnect; a handshake or verification failure becomes a TlsError. */
export function handshake(socket: tls.TLSSocket, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.off("secureConnect", onSecure);
      reject(new TlsError(`TLS handshake with ${host} failed: ${err.message}`, { cause: err }));
    };
    const onSecure = () => {
      socket.off("error", onError);
      resolve();
    };
    socket.once("error", onError);
    socket.once("secureConnect", onSecure);
  });
}

/**
 * Channel binding for SCRAM-*-PLUS: tls-exporter on TLS 1.3 (RFC 9266 §2). On TLS 1.2
 * and older none is offered (tls-unique is unsafe there without extended master secret,
 * RFC 9266 §1), so the chooser falls back to the non-PLUS mechanisms.
 */
export function channelBindingOf(transport: Duplex): ChannelBinding | undefined {
  if (!isTlsSocket(transport)) return undefined;
  if (transport.getProtocol() !== "TLSv1.3") return undefined;
  const data = transport.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  return { type: "tls-exporter", data };
}
