// The contract of makeTestPki(): who signed what, for which names, that keys match their
// certificates, that a real handshake succeeds with `ca` trusted, that nothing is left in
// the temporary directory, and that the result is made once per process.

import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KeyPair,
  makeTestPki,
  SERVER_NAMES,
  type TestPki,
  WRONG_HOST_NAME,
} from "../index.js";

// A private TMPDIR for the first (making) call, so "nothing left behind" is checked on a
// directory no other process writes to.
const scratch = mkdtempSync(join(tmpdir(), "test-certs-scratch-"));
const savedTmpdir = process.env.TMPDIR;
let pki: TestPki;
beforeAll(async () => {
  process.env.TMPDIR = scratch;
  try {
    pki = await makeTestPki();
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const x509 = (pem: string) => new X509Certificate(pem);
const keyMatches = (pair: KeyPair) => x509(pair.cert).checkPrivateKey(createPrivateKey(pair.key));

describe("makeTestPki", () => {
  it("removes its temporary directory before it resolves", () => {
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("makes the CA a CA and the leaves not", () => {
    expect(x509(pki.ca).ca).toBe(true);
    expect(x509(pki.untrusted.ca).ca).toBe(true);
    expect(x509(pki.server.cert).ca).toBe(false);
    expect(x509(pki.wrongHost.cert).ca).toBe(false);
    expect(x509(pki.untrusted.cert).ca).toBe(false);
  });

  it("signs server for localhost, 127.0.0.1 and ::1 with the CA, CN=localhost", () => {
    const cert = x509(pki.server.cert);
    expect(cert.verify(x509(pki.ca).publicKey)).toBe(true);
    expect(cert.checkIssued(x509(pki.ca))).toBe(true);
    expect(cert.subject).toBe("CN=localhost");
    expect(SERVER_NAMES).toEqual(["localhost", "127.0.0.1", "::1"]);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(cert.checkHost(WRONG_HOST_NAME)).toBeUndefined();
    expect(keyMatches(pki.server)).toBe(true);
  });

  it("signs wrongHost with the same CA for another name only", () => {
    const cert = x509(pki.wrongHost.cert);
    expect(cert.verify(x509(pki.ca).publicKey)).toBe(true);
    expect(cert.checkHost(WRONG_HOST_NAME)).toBe(WRONG_HOST_NAME);
    expect(cert.checkHost("localhost")).toBeUndefined();
    expect(cert.checkIP("127.0.0.1")).toBeUndefined();
    expect(keyMatches(pki.wrongHost)).toBe(true);
  });

  it("signs untrusted for the server's names with a second CA only", () => {
    const cert = x509(pki.untrusted.cert);
    expect(pki.untrusted.ca).not.toBe(pki.ca);
    expect(cert.verify(x509(pki.ca).publicKey)).toBe(false);
    expect(cert.verify(x509(pki.untrusted.ca).publicKey)).toBe(true);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(keyMatches(pki.untrusted)).toBe(true);
  });

  it("makes selfSigned its own issuer and trust anchor, for the server's names", () => {
    const cert = x509(pki.selfSigned.cert);
    expect(cert.subject).toBe("CN=localhost");
    expect(cert.issuer).toBe("CN=localhost");
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.verify(x509(pki.ca).publicKey)).toBe(false);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkIP("::1")).toBe("::1");
    expect(keyMatches(pki.selfSigned)).toBe(true);
  });

  it("gives every later caller the same frozen object", async () => {
    expect(await makeTestPki()).toBe(pki);
    expect(Object.isFrozen(pki)).toBe(true);
    expect(Object.isFrozen(pki.server)).toBe(true);
    expect(Object.isFrozen(pki.untrusted)).toBe(true);
  });

  it("is accepted by node:tls for 127.0.0.1 with the CA trusted, and rejected with the other CA", async () => {
    const server = createServer({ key: pki.server.key, cert: pki.server.cert }, (socket) =>
      socket.end(),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const handshake = (ca: string) =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({ host: "127.0.0.1", port, ca }, () => {
          socket.destroy();
          resolve("authorized");
        });
        socket.once("error", (error: NodeJS.ErrnoException) => {
          socket.destroy();
          resolve(error.code ?? "error");
        });
      });
    try {
      expect(await handshake(pki.ca)).toBe("authorized");
      expect(await handshake(pki.untrusted.ca)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
      expect(await handshake(pki.selfSigned.cert)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
