// Throwaway TLS certificates for the real-server tests, made with `openssl` at test time
// (nothing secret is checked in, nothing expires in the repo).
//
//   testCertificates(): Promise<TestCertificates>
//     ca         the PEM of a test CA, trusted by the client through `tlsOptions.ca`
//     localhost  key + certificate signed by `ca` for DNS:localhost and IP:127.0.0.1
//     wrongHost  key + certificate signed by `ca` for DNS:wrong.example only
//     untrusted  key + certificate for DNS:localhost, IP:127.0.0.1 signed by another CA
//                that nobody trusts
//
// The files are made in a fresh temporary directory, read into memory and the directory
// is removed at once; the result is cached for the rest of the test file's worker.
// EC P-256 keys: generated in milliseconds even on a busy machine.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  ca: string;
  localhost: KeyPair;
  wrongHost: KeyPair;
  untrusted: KeyPair;
}

let cached: Promise<TestCertificates> | undefined;

export function testCertificates(): Promise<TestCertificates> {
  cached ??= make();
  return cached;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=smtp test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, name: string, ca: string, altNames: string): Promise<KeyPair> {
  await openssl(dir, [
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ]);
  await writeFile(
    join(dir, `${name}.ext`),
    [
      `subjectAltName=${altNames}`,
      "basicConstraints=CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    // A serial of our own: -CAcreateserial would race on one .srl file between leaves.
    "-set_serial",
    `0x${randomBytes(8).toString("hex")}`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
  return {
    key: await readFile(join(dir, `${name}.key`), "utf8"),
    cert: await readFile(join(dir, `${name}.pem`), "utf8"),
  };
}

async function make(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "smtp-client-certs-"));
  try {
    await Promise.all([makeCa(dir, "ca"), makeCa(dir, "other-ca")]);
    const [localhost, wrongHost, untrusted] = await Promise.all([
      makeLeaf(dir, "localhost", "ca", "DNS:localhost,IP:127.0.0.1"),
      makeLeaf(dir, "wrong.example", "ca", "DNS:wrong.example"),
      makeLeaf(dir, "untrusted", "other-ca", "DNS:localhost,IP:127.0.0.1"),
    ]);
    return { ca: await readFile(join(dir, "ca.pem"), "utf8"), localhost, wrongHost, untrusted };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
