// dial(): open TCP (or TLS from the first byte, RFC 8314 §3.3) to "host:port" and hand
// the socket to newClient, which reads the 220 greeting.
//
// Node 20's net.connect takes no AbortSignal, and the DNS lookup happens inside it, so
// the caller's signal and the connect timeout are honoured by destroying the socket: that
// ends the lookup, the TCP handshake and the TLS handshake alike.
import * as net from "node:net";
import type * as tls from "node:tls";
import type { ClientOptions } from "./client.js";
import { Client, checkBareCr } from "./client.js";
import { ConnectionClosedError, InvalidArgumentError, TlsError } from "./errors.js";
import { nodeTls } from "./node-tls.js";
import { Deadline, resolveTimeouts } from "./timeouts.js";
import { checkLine } from "./validate.js";

export interface DialOptions extends ClientOptions {
  /** "implicit": TLS from the first byte (port 465, RFC 8314). Otherwise plain TCP. */
  tls?: "implicit";
  /** ca, servername, rejectUnauthorized (default true), ... for the implicit TLS handshake. */
  tlsOptions?: tls.ConnectionOptions;
}

/** Splits "host:port" or "[v6]:port" (Go's net.SplitHostPort, the forms Dial accepts). */
export function splitHostPort(addr: string): { host: string; port: number } {
  let host: string;
  let portText: string;
  if (addr.startsWith("[")) {
    const close = addr.indexOf("]");
    if (close < 0 || addr[close + 1] !== ":") throw badAddress(addr);
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(":");
    if (colon < 0 || addr.indexOf(":") !== colon) throw badAddress(addr);
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535 || host === "") throw badAddress(addr);
  return { host, port };
}

function badAddress(addr: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `address must be "host:port" or "[v6]:port": ${JSON.stringify(addr)}`,
    {
      phase: "connect",
    },
  );
}

/** Connects to `addr` and reads the greeting. The host part names the server for TLS and AUTH. */
export async function dial(addr: string, options: DialOptions = {}): Promise<Client> {
  const { host, port } = splitHostPort(addr);
  // Checked here too (newClient checks them as well), so a bad value never opens a socket.
  if (options.localName !== undefined) checkLine(options.localName, "the local name");
  checkBareCr(options.bareCr);
  // Anything but "implicit" would silently mean plain TCP: `tls: true` must not do that.
  if (options.tls !== undefined && options.tls !== "implicit") {
    throw new InvalidArgumentError(
      `tls must be "implicit" or left out (plain TCP, then startTls()), not ${JSON.stringify(options.tls)}`,
      { phase: "connect" },
    );
  }
  const timeouts = resolveTimeouts(options.timeouts);
  const startedAt = Date.now();
  const deadline = new Deadline(timeouts, options.signal, startedAt);
  const implicit = options.tls === "implicit";

  let socket: net.Socket;
  const ready = implicit ? "secureConnect" : "connect";
  const early = deadline.aborted("connect");
  if (early !== undefined) throw early;
  if (implicit) {
    socket = nodeTls().connect({
      host,
      port,
      // An IP address is not a valid SNI name (RFC 6066 §3); Node then checks the IP SANs.
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...options.tlsOptions,
      // Verification is on unless the caller turned it off explicitly.
      rejectUnauthorized: options.tlsOptions?.rejectUnauthorized ?? true,
    });
  } else {
    socket = net.connect({ host, port });
  }

  await deadline
    .run(
      implicit ? "tls" : "connect",
      timeouts.connect,
      () =>
        new Promise<void>((resolve, reject) => {
          const onError = (err: Error) => {
            socket.off(ready, onReady);
            reject(
              implicit && isTlsFailure(err)
                ? new TlsError(`TLS handshake with ${host} failed: ${err.message}`, { cause: err })
                : new ConnectionClosedError(`connect to ${addr} failed: ${err.message}`, {
                    phase: "connect",
                    cause: err,
                  }),
            );
          };
          const onReady = () => {
            socket.off("error", onError);
            resolve();
          };
          socket.once("error", onError);
          socket.once(ready, onReady);
        }),
      (err) => socket.destroy(err),
    )
    .catch((err: unknown) => {
      socket.destroy();
      throw err;
    })
    .finally(() => deadline.dispose());

  return Client.create(socket, host, { ...options, tlsActive: implicit }, startedAt);
}

/** A handshake or certificate failure rather than a TCP one. */
function isTlsFailure(err: Error & { code?: unknown }): boolean {
  const code = typeof err.code === "string" ? err.code : "";
  return (
    code.startsWith("ERR_TLS") ||
    code.startsWith("ERR_SSL") ||
    /CERT|SELF_SIGNED|UNABLE_TO|HOSTNAME|ALTNAME|DEPTH/.test(code)
  );
}
