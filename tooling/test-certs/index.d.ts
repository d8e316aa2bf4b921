/**
 * Throwaway TLS certificates for tests and the demo, made by `openssl` at run time.
 * See index.js for how they are made; all PEM strings, EC P-256 keys, valid 2 days.
 */

/** A private key and its certificate, both PEM: what a TLS server is given. */
export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

export interface TestPki {
  /** The test CA certificate (PEM). Trust it with `tls.connect({ ca })` / `tlsOptions.ca`. */
  readonly ca: string;
  /** Signed by `ca`; CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1. */
  readonly server: KeyPair;
  /** Signed by `ca` but made out to DNS:wrong.example only: fails the host name check. */
  readonly wrongHost: KeyPair;
  /**
   * The same names as `server`, signed by a second CA (`untrusted.ca`) that a client
   * trusting only `ca` rejects. Trusting `untrusted.ca` instead makes it valid.
   */
  readonly untrusted: KeyPair & { readonly ca: string };
  /**
   * Self-signed (subject = issuer = CN=localhost), the names of `server`: what a development
   * server typically presents. Trusted by passing `selfSigned.cert` itself as the CA.
   */
  readonly selfSigned: KeyPair;
}

/**
 * Makes the test PKI once per process and returns the same frozen object to every caller.
 * The temporary directory openssl works in is removed before the promise settles.
 * Rejects (and is retried on the next call) if openssl is missing or fails; the error's
 * `code` is "ENOENT" when openssl is not in PATH, "ERR_OPENSSL" otherwise.
 */
export declare function makeTestPki(): Promise<TestPki>;

/** The names `server`, `untrusted` and `selfSigned` are made out to. */
export declare const SERVER_NAMES: readonly ["localhost", "127.0.0.1", "::1"];
/** The only name `wrongHost` is made out to. */
export declare const WRONG_HOST_NAME: "wrong.example";
