import type { PeerCertificate } from "node:tls";
import { parseArgs } from "node:util";
import type { Client, DialOptions } from "@smtp/client";
import { dial } from "@smtp/client";
import type { TlsMode } from "../options.js";
import { closeQuietly, quitQuietly } from "../session.js";
import type { ConnectionValues } from "./common.js";
import {
  connectionArgs,
  describeError,
  serverAddr,
  sessionOptionsFrom,
  tlsMode,
} from "./common.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./io.js";

export const probeUsage = `usage: smtp probe host[:port] [--tls starttls|required|implicit|none] [--ca ca.pem]
                  [--insecure] [--transcript] [--timeout SECONDS] [--local-name NAME]

Shows what a server offers: greeting, EHLO capabilities, the STARTTLS result and
certificate, AUTH mechanisms and the SIZE limit. Sends no mail and no credentials.
The port defaults to 587 (465 with --tls implicit); an MX usually listens on 25.`;

/** What the probe found, in the order it is printed. */
interface Finding {
  label: string;
  value: string;
}

export async function probeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: connectionArgs,
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${probeUsage}\n`);
    return EXIT.ok;
  }
  const v = values as ConnectionValues;
  if (positionals.length > 1) throw new UsageError("probe takes one host[:port]");
  const mode = tlsMode(v.tls);
  const addr = serverAddr(positionals[0] ?? v.server, mode, "host[:port]");
  const { onLine: transcript, ...session } = sessionOptionsFrom(v, io);
  const tlsOptions = session.tlsOptions;
  const print = (f: Finding) => io.stdout.write(`${f.label.padEnd(13)}${f.value}\n`);

  // The greeting is whatever the server said before we said anything.
  const greeting: string[] = [];
  let spoke = false;
  const onLine = (direction: "client" | "server", line: string) => {
    if (direction === "client") spoke = true;
    else if (!spoke) greeting.push(line);
    transcript?.(direction, line);
  };
  const options: DialOptions = {
    onLine,
    ...(mode === "implicit" ? { tls: "implicit" as const } : {}),
    ...session,
  };

  print({ label: "server", value: `${addr} (tls: ${mode})` });
  let client: Client;
  try {
    client = await dial(addr, options);
  } catch (error) {
    print({ label: "connect", value: `FAILED: ${describeError(error)}` });
    if (mode === "implicit" && isCertificateProblem(error) && !tlsOptions?.rejectUnauthorized) {
      await showUntrustedCertificate(addr, mode, options, print);
    }
    return exitCodeFor(error);
  }
  let status: number = EXIT.ok;
  try {
    print({ label: "greeting", value: greeting.join(" / ") });
    if (mode === "implicit") printTls(client, print);
    let caps = await client.extensions();
    print({
      label: mode === "implicit" ? "EHLO (TLS)" : "EHLO",
      value: describeCapabilities(caps),
    });
    if (mode === "starttls" || mode === "required") {
      if (!caps.has("STARTTLS")) {
        print({
          label: "STARTTLS",
          value: "not offered: mail to this server travels in plain text",
        });
        if (mode === "required") status = EXIT.noPerm;
      } else {
        try {
          await client.startTls(tlsOptions);
          printTls(client, print);
          caps = await client.extensions();
          print({ label: "EHLO (TLS)", value: describeCapabilities(caps) });
        } catch (error) {
          print({ label: "STARTTLS", value: `FAILED: ${describeError(error)}` });
          status = exitCodeFor(error);
          if (isCertificateProblem(error))
            await showUntrustedCertificate(addr, mode, options, print);
          return status;
        }
      }
    }
    const auth = caps.get("AUTH");
    print({
      label: "AUTH",
      value: auth === undefined ? "not offered" : auth || "(no mechanisms listed)",
    });
    print({ label: "SIZE", value: describeSize(caps.get("SIZE")) });
    await quitQuietly(client);
    return status;
  } catch (error) {
    print({ label: "error", value: describeError(error) });
    return exitCodeFor(error);
  } finally {
    await closeQuietly(client);
  }
}

function describeCapabilities(caps: ReadonlyMap<string, string>): string {
  if (caps.size === 0) return "(none: the server answered HELO or a one-line EHLO)";
  return [...caps].map(([k, v]) => (v ? `${k} ${v}` : k)).join(", ");
}

function describeSize(value: string | undefined): string {
  if (value === undefined) return "not advertised";
  const n = Number(value);
  if (value === "" || n === 0) return "advertised, no fixed limit";
  if (!Number.isFinite(n)) return value;
  return `${formatBytes(n)} (${n} bytes)`;
}

function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${Number(v.toFixed(1))} ${units[i]}`;
}

function printTls(client: Client, print: (f: Finding) => void): void {
  const state = client.tlsConnectionState();
  if (!state) return;
  print({
    label: "TLS",
    value: `${state.protocol ?? "?"} ${state.cipher}, certificate ${state.authorized ? "verified" : "NOT verified"}`,
  });
  printCertificate(state.peerCertificate, print);
}

function printCertificate(cert: PeerCertificate | undefined, print: (f: Finding) => void): void {
  if (!cert || Object.keys(cert).length === 0) return;
  print({ label: "subject", value: dn(cert.subject) });
  if (cert.subjectaltname) print({ label: "alt names", value: cert.subjectaltname });
  print({ label: "issuer", value: dn(cert.issuer) });
  const expires = new Date(cert.valid_to);
  const days = Math.floor((expires.getTime() - Date.now()) / 86_400_000);
  print({
    label: "expires",
    value: `${expires.toISOString()} (${days < 0 ? `EXPIRED ${-days} days ago` : `in ${days} days`})`,
  });
}

function dn(name: PeerCertificate["subject"] | undefined): string {
  if (!name) return "?";
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
    .join(", ");
}

function isCertificateProblem(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ""} ${String((error as { cause?: { code?: unknown } })?.cause?.code ?? "")}`;
  return /certificate|CERT|SELF_SIGNED|UNABLE_TO|altname|hostname/i.test(text);
}

/** When verification failed, connect again without it, only to show the
 *  certificate the server presents (nothing else is sent). */
async function showUntrustedCertificate(
  addr: string,
  mode: TlsMode,
  options: DialOptions,
  print: (f: Finding) => void,
): Promise<void> {
  const insecure = { ...options.tlsOptions, rejectUnauthorized: false };
  let client: Client | undefined;
  try {
    const { onLine: _ignored, ...quiet } = options;
    client = await dial(addr, { ...quiet, tlsOptions: insecure });
    if (mode !== "implicit") await client.startTls(insecure);
    const cert = client.tlsConnectionState()?.peerCertificate;
    print({ label: "presented", value: "(this certificate was NOT trusted)" });
    printCertificate(cert, print);
    await quitQuietly(client);
  } catch {
    // best effort only
  } finally {
    if (client) await closeQuietly(client);
  }
}
