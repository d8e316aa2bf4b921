// What setup.sh writes to $SMTP_MTA_DIR/env.json, handed to the tests by global-setup.ts.
export interface MtaEnv {
  dir: string;
  host: string;
  /** Postfix, plain with STARTTLS, AUTH only after TLS (a submission server's policy). */
  smtpPort: number;
  /** Postfix, TLS from the first byte (smtpd_tls_wrappermode). */
  smtpsPort: number;
  /** aiosmtpd's LMTP server. */
  lmtpPort: number;
  /** The throwaway self-signed certificate for localhost and 127.0.0.1. */
  caFile: string;
  domain: string;
  /** Postfix's virtual maildirs: <maildir>/<user>/new/<file>. */
  maildir: string;
  /** aiosmtpd's store: <lmtpMaildir>/<local-part>/<n>.eml and <n>.json. */
  lmtpMaildir: string;
  /** The Dovecot user and its UTF-8 password with a space. */
  user: string;
  password: string;
  messageSizeLimit: number;
  logs: { postfix: string; dovecot: string; lmtp: string };
}

declare module "vitest" {
  export interface ProvidedContext {
    mta: MtaEnv;
  }
}
