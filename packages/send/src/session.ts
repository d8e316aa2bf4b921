import type { Client, DialOptions } from "@smtp/client";
import { dial } from "@smtp/client";
import { AuthNotSupportedError, TlsRequiredError } from "./errors.js";
import type { SessionAuth, SessionOptions } from "./options.js";
import { isAuth } from "./options.js";

/**
 * Steps 2–5 of Go's SendMail (DESIGN §5): dial and read the greeting, hello,
 * STARTTLS according to the TLS mode, then AUTH when `auth` is given. Resolves
 * with a client ready for MAIL. On any failure the connection is closed and
 * the typed error is thrown.
 */
export async function openSession(
  addr: string,
  auth: SessionAuth,
  options: SessionOptions = {},
): Promise<Client> {
  const mode = options.tls ?? "starttls";
  if (!["starttls", "required", "implicit", "none"].includes(mode)) {
    throw new RangeError(
      `tls must be "starttls", "required", "implicit" or "none", not ${JSON.stringify(mode)}`,
    );
  }
  // Watch the transcript for one fact the Client API does not expose: whether
  // EHLO failed and the session fell back to HELO (for a clearer AUTH error).
  let heloOnly = false;
  const userOnLine = options.onLine;
  const onLine = (direction: "client" | "server", line: string) => {
    if (direction === "client" && /^HELO /i.test(line)) heloOnly = true;
    userOnLine?.(direction, line);
  };
  const dialOptions: DialOptions = {
    onLine,
    ...(mode === "implicit" ? { tls: "implicit" as const } : {}),
    ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.localName !== undefined ? { localName: options.localName } : {}),
    ...(options.bareCr !== undefined ? { bareCr: options.bareCr } : {}),
    ...(options.maxLineLength !== undefined ? { maxLineLength: options.maxLineLength } : {}),
  };
  const client = await dial(addr, dialOptions);
  try {
    // Hello now (EHLO, HELO on failure), as Go's SendMail does before anything else.
    await client.extensions();
    if (mode === "starttls" || mode === "required") {
      const [offered] = await client.extension("STARTTLS");
      if (offered) {
        // @smtp/client verifies the certificate for the host it dialed.
        await client.startTls(options.tlsOptions);
      } else if (mode === "required") {
        throw new TlsRequiredError();
      }
    }
    if (auth) {
      // After STARTTLS the client forgot the plain-text capabilities; this
      // asks again inside TLS (RFC 3207 §4.2).
      const [advertised] = await client.extension("AUTH");
      if (!advertised) {
        // Unlike Go, a HELO-only server is not a reason to skip AUTH silently.
        throw new AuthNotSupportedError(heloOnly ? "the server answered HELO only" : undefined);
      }
      if (isAuth(auth)) await client.auth(auth);
      else await client.authenticate(auth);
    }
    return client;
  } catch (error) {
    await closeQuietly(client);
    throw error;
  }
}

/** Closes a client, ignoring errors: the session is being abandoned. */
export async function closeQuietly(client: Client): Promise<void> {
  try {
    await client.close();
  } catch {
    // nothing useful to do: the socket is gone either way
  }
}

/** QUIT politely; if the server does not answer, close the socket instead. */
export async function quitQuietly(client: Client): Promise<void> {
  try {
    await client.quit();
  } catch {
    await closeQuietly(client);
  }
}
