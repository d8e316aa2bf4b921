// STARTTLS (RFC 3207) and implicit TLS (RFC 8314) against the npm smtp-server with
// certificates made by openssl for this run: the test CA is trusted through
// tlsOptions.ca; a certificate for another host, or from a CA nobody trusts, must fail.

import { connect } from "node:net";
import { makeTestPki } from "@smtp/test-certs";
import { describe, expect, it } from "vitest";
import { type Client, dial, newClient, SmtpError, TlsError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { startScriptedServer } from "./helpers/scripted-server.js";
import { startServer, type TestServerOptions } from "./helpers/server.js";

/** Node's verification error code behind a TlsError: proves it failed for the right reason. */
const causeCode = (error: unknown) => (error as { cause?: { code?: string } }).cause?.code;

const defer = useCleanup();

async function server(options: TestServerOptions) {
  const s = await startServer(options);
  defer(() => s.close());
  return s;
}

async function client(address: string, options: Parameters<typeof dial>[1] = {}): Promise<Client> {
  const c = await dial(address, { localName: "client.test", ...options });
  defer(() => c.close());
  return c;
}

describe("STARTTLS", () => {
  it("upgrades with the test CA trusted, verifies the host, and says EHLO again", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({ tls: localhost, hideREQUIRETLS: false });
    const c = await client(s.address);
    expect(await c.extension("STARTTLS")).toEqual([true, ""]);
    expect(c.tlsConnectionState()).toBeUndefined();

    await c.startTls({ ca });
    const state = c.tlsConnectionState();
    expect(state?.authorized).toBe(true);
    expect(state?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(state?.peerCertificate.subject.CN).toBe("localhost");
    // Pre-TLS capabilities are forgotten: STARTTLS is no longer offered, REQUIRETLS is.
    expect(await c.extension("STARTTLS")).toEqual([false, ""]);
    expect(await c.extension("REQUIRETLS")).toEqual([true, ""]);

    const result = await c.send(
      { from: "a@example.org", to: ["b@example.org"], mailOptions: { requireTls: true } },
      "secret\r\n",
    );
    expect(result.reply.code).toBe(250);
    await c.quit();
    expect(s.commands).toEqual([
      "EHLO client.test",
      "STARTTLS",
      "EHLO client.test",
      "MAIL FROM:<a@example.org> BODY=8BITMIME SMTPUTF8 REQUIRETLS",
      "RCPT TO:<b@example.org>",
      "DATA",
      "QUIT",
    ]);
    expect(s.messages[0]!.secure).toBe(true);
    expect(s.messages[0]!.requireTls).toBe(true);
    expect(s.messages[0]!.body.toString()).toBe("secret\r\n");
  });

  it("verifies the name given as servername", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({ tls: localhost });
    const c = await client(s.address);
    await c.startTls({ ca, servername: "localhost" });
    expect(c.tlsConnectionState()?.authorized).toBe(true);
    await c.noop();
  });

  it("fails with TlsError for a certificate made out to another host", async () => {
    const { ca, wrongHost } = await makeTestPki();
    const s = await server({ tls: wrongHost });
    const c = await client(s.address);
    const error = await c.startTls({ ca }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).code).toBe("ERR_TLS");
    expect((error as TlsError).phase).toBe("tls");
    expect(causeCode(error)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(s.messages).toEqual([]);
  });

  it("fails with TlsError for a certificate from an untrusted CA", async () => {
    const { ca, untrusted } = await makeTestPki();
    const s = await server({ tls: untrusted });
    const c = await client(s.address);
    const error = await c.startTls({ ca }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect(causeCode(error)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("fails with TlsError when the test CA is not given (system roots only)", async () => {
    const { server: localhost } = await makeTestPki();
    const s = await server({ tls: localhost });
    const c = await client(s.address);
    const error = await c.startTls().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect(causeCode(error)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("refuses REQUIRETLS locally on a connection without TLS", async () => {
    const { server: localhost } = await makeTestPki();
    const s = await server({ tls: localhost, hideREQUIRETLS: false });
    const c = await client(s.address);
    await expect(c.mail("a@example.org", { requireTls: true })).rejects.toThrow(TlsError);
    expect(s.commands).toEqual(["EHLO client.test"]);
  });

  it("works on a socket given to newClient", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({ tls: localhost });
    const socket = connect(s.port, "127.0.0.1");
    defer(() => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const c = await newClient(socket, "127.0.0.1", { localName: "client.test" });
    defer(() => c.close());
    await c.startTls({ ca });
    await c.send({ from: "a@example.org", to: ["b@example.org"] }, "via newClient\r\n");
    expect(s.messages[0]!.secure).toBe(true);
  });
});

describe("implicit TLS (port 465 style)", () => {
  it("speaks TLS from the first byte and verifies the certificate", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({ secure: true, tls: localhost });
    const c = await client(s.address, { tls: "implicit", tlsOptions: { ca } });
    expect(c.tlsConnectionState()?.authorized).toBe(true);
    expect(await c.extension("STARTTLS")).toEqual([false, ""]);
    await c.send({ from: "a@example.org", to: ["b@example.org"] }, "implicit\r\n");
    await c.quit();
    expect(s.messages[0]!.secure).toBe(true);
    expect(s.messages[0]!.body.toString()).toBe("implicit\r\n");
  });

  it('verifies a DNS name: dial("localhost:port") checks the certificate for localhost', async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({ secure: true, tls: localhost });
    const c = await client(`localhost:${s.port}`, { tls: "implicit", tlsOptions: { ca } });
    expect(c.tlsConnectionState()?.authorized).toBe(true);
    await c.noop();
  });

  it("fails by name too: a certificate for wrong.example is refused for localhost", async () => {
    const { ca, wrongHost } = await makeTestPki();
    const s = await server({ secure: true, tls: wrongHost });
    const error = await dial(`localhost:${s.port}`, { tls: "implicit", tlsOptions: { ca } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(causeCode(error)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("tlsConnectionState() after quit() does not throw", async () => {
    // Go's TLSConnectionState keeps working after Close; here a closed TLSSocket's
    // getCipher() is null, which must not turn into a TypeError.
    const { ca, server: localhost } = await makeTestPki();
    const s = await server({ secure: true, tls: localhost });
    const c = await client(s.address, { tls: "implicit", tlsOptions: { ca } });
    await c.noop();
    await c.quit();
    const state = (() => {
      try {
        return { value: c.tlsConnectionState() };
      } catch (error) {
        return { error };
      }
    })();
    expect(state).not.toHaveProperty("error");
    if (state.value !== undefined) expect(state.value.authorized).toBe(true);
  });

  it("fails dial with TlsError for a wrong-host certificate", async () => {
    const { ca, wrongHost } = await makeTestPki();
    const s = await server({ secure: true, tls: wrongHost });
    const error = await dial(s.address, { tls: "implicit", tlsOptions: { ca } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect((error as SmtpError).phase).toBe("tls");
    expect(causeCode(error)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("fails dial with TlsError for an untrusted certificate", async () => {
    const { ca, untrusted } = await makeTestPki();
    const s = await server({ secure: true, tls: untrusted });
    const error = await dial(s.address, { tls: "implicit", tlsOptions: { ca } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(causeCode(error)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });
});

describe("STARTTLS response injection (RFC 3207 §6)", () => {
  it("upgrades on the scripted server when nothing is injected (the control case)", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await startScriptedServer({
      extensions: ["PIPELINING", "STARTTLS"],
      starttls: localhost,
    });
    defer(() => s.close());
    const c = await client(s.address);
    await c.startTls({ ca });
    expect(c.tlsConnectionState()?.authorized).toBe(true);
    await c.send({ from: "a@example.org", to: ["b@example.org"] }, "over TLS\r\n");
    expect(s.commands).toEqual([
      "EHLO client.test",
      "STARTTLS",
      "EHLO client.test",
      "MAIL FROM:<a@example.org>",
      "RCPT TO:<b@example.org>",
      "DATA",
    ]);
    expect(s.messages[0]!.body.toString()).toBe("over TLS\r\n");
  });

  it("fails with ERR_STARTTLS_INJECTION when bytes follow the 220 before the handshake", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const s = await startScriptedServer({
      extensions: ["PIPELINING", "STARTTLS"],
      starttls: { ...localhost, inject: "250-injected\r\n250 AUTH PLAIN\r\n" },
    });
    defer(() => s.close());
    const c = await client(s.address);
    const error = await c.startTls({ ca }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).code).toBe("ERR_STARTTLS_INJECTION");
    // Nothing more goes out on this connection.
    await expect(c.noop()).rejects.toThrow(SmtpError);
    expect(s.commands).toEqual(["EHLO client.test", "STARTTLS"]);
  });
});
