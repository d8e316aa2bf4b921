// @smtp/test-certs: throwaway TLS certificates for the real-server tests and the demo,
// made by `openssl` at run time, so nothing secret is checked in and nothing in the repo
// can expire.
//
//   makeTestPki(): Promise<TestPki>
//     ca         PEM of the test CA; a client trusts it through `tls.connect({ ca })`
//     server     key + certificate signed by `ca` for CN=localhost with
//                subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1
//     wrongHost  key + certificate signed by `ca`, made out to DNS:wrong.example only:
//                trusted, but fails the host name check (ERR_TLS_CERT_ALTNAME_INVALID)
//     untrusted  { ca, key, cert }: the same names as `server`, signed by a second CA
//                that nobody trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE against `ca`)
//     selfSigned key + self-signed certificate with the names of `server` (subject = issuer
//                = CN=localhost): the common setup of a development server; trust it by
//                passing `selfSigned.cert` itself as the CA
//
// All files are written to a fresh directory under os.tmpdir(), read into memory, and the
// directory is removed before the promise settles, whether openssl succeeded or not. The
// result is made once per process (per vitest worker) and shared, frozen.
//
// EC P-256 keys: generated in milliseconds even on a busy machine (RSA 2048 takes far
// longer and buys a test nothing). Valid for 2 days from now: long enough for any run,
// short enough that a leaked one is worthless.

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The names `server`, `untrusted` and `selfSigned` are made out to. */
export const SERVER_NAMES = Object.freeze(["localhost", "127.0.0.1", "::1"]);
/** The only name `wrongHost` is made out to. */
export const WRONG_HOST_NAME = "wrong.example";

const DAYS = "2";
const SERVER_ALT_NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1";

/** @type {Promise<import("./index.js").TestPki> | undefined} */
let cached;

/** @returns {Promise<import("./index.js").TestPki>} */
export function makeTestPki() {
  if (cached === undefined) {
    cached = make();
    // A failure (e.g. no openssl) is reported to every caller waiting now; the next call
    // tries again instead of replaying it.
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

async function make() {
  const dir = await mkdtemp(join(tmpdir(), "smtp-test-certs-"));
  try {
    const [selfSigned] = await Promise.all([
      makeSelfSigned(dir, "localhost-self-signed"),
      makeCa(dir, "ca"),
      makeCa(dir, "untrusted-ca"),
    ]);
    const [server, wrongHost, untrusted, ca, untrustedCa] = await Promise.all([
      makeLeaf(dir, "localhost", "ca", SERVER_ALT_NAMES),
      makeLeaf(dir, WRONG_HOST_NAME, "ca", `DNS:${WRONG_HOST_NAME}`),
      makeLeaf(dir, "untrusted", "untrusted-ca", SERVER_ALT_NAMES),
      readFile(join(dir, "ca.pem"), "utf8"),
      readFile(join(dir, "untrusted-ca.pem"), "utf8"),
    ]);
    return Object.freeze({
      ca,
      server,
      wrongHost,
      untrusted: Object.freeze({ ca: untrustedCa, ...untrusted }),
      selfSigned,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A self-signed CA: `${name}.key`, `${name}.pem`. */
async function makeCa(dir, name) {
  await openssl(dir, [
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    DAYS,
    "-subj",
    `/CN=smtp test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

/** A self-signed certificate for the server names, CN=localhost; openssl's default
 *  extensions make it a CA too, so it can be its own trust anchor. */
async function makeSelfSigned(dir, name) {
  await openssl(dir, [
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    DAYS,
    "-subj",
    "/CN=localhost",
    "-addext",
    `subjectAltName=${SERVER_ALT_NAMES}`,
  ]);
  return readPair(dir, name);
}

/** A server certificate for `altNames` signed by the CA `ca`; CN is `name`. */
async function makeLeaf(dir, name, ca, altNames) {
  await openssl(dir, [
    "req",
    ...EC_KEY,
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
    DAYS,
    "-extfile",
    `${name}.ext`,
  ]);
  return readPair(dir, name);
}

async function readPair(dir, name) {
  const [key, cert] = await Promise.all([
    readFile(join(dir, `${name}.key`), "utf8"),
    readFile(join(dir, `${name}.pem`), "utf8"),
  ]);
  return Object.freeze({ key, cert });
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Runs openssl in `cwd`; a failure says which step and what openssl printed. */
function openssl(cwd, args) {
  return new Promise((resolve, reject) => {
    execFile("openssl", args, { cwd }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const missing = /** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT";
      const why = missing
        ? "the openssl command is not in PATH (it makes the test certificates)"
        : `openssl ${args.slice(0, 2).join(" ")} failed: ${String(stderr).trim() || error.message}`;
      reject(
        Object.assign(new Error(`@smtp/test-certs: ${why}`, { cause: error }), {
          code: missing ? "ENOENT" : "ERR_OPENSSL",
        }),
      );
    });
  });
}
