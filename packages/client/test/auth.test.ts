// AUTH (RFC 4954) through the real client against the npm smtp-server: PLAIN, LOGIN,
// CRAM-MD5 and XOAUTH2 from @smtp/auth, the automatic chooser with fallback, refusals,
// and no secret in the transcript.

import { cramMd5Auth, loginAuth, plainAuth, xoauth2Auth } from "@smtp/auth";
import { makeTestPki } from "@smtp/test-certs";
import { describe, expect, it } from "vitest";
import { type Client, dial, SmtpError, SmtpReplyError } from "../src/index.js";
import { useCleanup } from "./helpers/cleanup.js";
import { replyError, startServer, type TestServerOptions } from "./helpers/server.js";

const defer = useCleanup();

const USER = "alice";
const PASSWORD = "pa55-w0rd!";
const TOKEN = "ya29.token-value";
const HOST = "127.0.0.1";

interface Attempt {
  method: string;
  username: string | undefined;
}

function authServer(refuse: string[] = [], extra: TestServerOptions = {}) {
  const attempts: Attempt[] = [];
  const options: TestServerOptions = {
    authMethods: ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"],
    authOptional: false,
    hideENHANCEDSTATUSCODES: false,
    ...extra,
    onAuth(auth, _session, callback) {
      attempts.push({ method: auth.method, username: auth.username });
      if (refuse.includes(auth.method)) {
        callback(replyError(504, "5.5.4 not for you"));
        return;
      }
      let ok: boolean;
      if (auth.method === "XOAUTH2") ok = auth.accessToken === TOKEN;
      else if (auth.method === "CRAM-MD5") ok = auth.validatePassword?.(PASSWORD) === true;
      else ok = auth.password === PASSWORD;
      ok = ok && auth.username === USER;
      if (ok) callback(null, { user: USER });
      else if (auth.method === "XOAUTH2")
        // RFC-less Google convention: a 334 with a JSON error, then 535 after the empty line.
        callback(null, { data: { status: "401", schemes: "bearer", scope: "mail" } } as never);
      else callback(replyError(535, "5.7.8 credentials invalid"));
    },
  };
  return { attempts, options };
}

async function setup(refuse: string[] = [], lines?: string[], extra: TestServerOptions = {}) {
  const { attempts, options } = authServer(refuse, extra);
  const server = await startServer(options);
  defer(() => server.close());
  const client: Client = await dial(server.address, {
    localName: "client.test",
    ...(lines === undefined
      ? {}
      : { onLine: (dir: string, line: string) => lines.push(`${dir}: ${line}`) }),
  });
  defer(() => client.close());
  return { server, client, attempts };
}

async function deliver(client: Client) {
  return client.send({ from: "alice@example.org", to: ["bob@example.org"] }, "authenticated\r\n");
}

describe("each mechanism against smtp-server", () => {
  it.each([
    ["PLAIN", () => plainAuth("", USER, PASSWORD, HOST)],
    ["LOGIN", () => loginAuth(USER, PASSWORD, HOST)],
    ["CRAM-MD5", () => cramMd5Auth(USER, PASSWORD)],
    ["XOAUTH2", () => xoauth2Auth(USER, TOKEN, HOST)],
  ])("%s authenticates and the session can send", async (method, make) => {
    const { server, client, attempts } = await setup();
    await client.auth(make());
    expect(attempts).toEqual([{ method, username: USER }]);
    await deliver(client);
    expect(server.messages[0]!.user).toBe(USER);
    expect(server.commands.find((c) => c.startsWith("AUTH"))).toMatch(
      new RegExp(`^AUTH ${method}\\b`),
    );
  });

  it.each([
    ["PLAIN", () => plainAuth("", USER, "wrong", HOST)],
    ["LOGIN", () => loginAuth(USER, "wrong", HOST)],
    ["CRAM-MD5", () => cramMd5Auth(USER, "wrong")],
    ["XOAUTH2", () => xoauth2Auth(USER, "wrong-token", HOST)],
  ])("%s with bad credentials is a 535 reply error in phase auth", async (_method, make) => {
    const { server, client } = await setup();
    const error = await client.auth(make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpReplyError);
    expect((error as SmtpReplyError).replyCode).toBe(535);
    expect((error as SmtpReplyError).phase).toBe("auth");
    // The reply error names the command, with the AUTH payload redacted.
    const payloads = [
      "wrong",
      Buffer.from(`\0${USER}\0wrong`).toString("base64"),
      Buffer.from("wrong").toString("base64"),
      Buffer.from(`user=${USER}\x01auth=Bearer wrong-token\x01\x01`).toString("base64"),
    ];
    const command = String((error as SmtpReplyError).command);
    expect(command).toMatch(/^(AUTH [A-Z0-9-]+( <redacted>)?|<redacted>)$/);
    for (const secret of payloads) {
      expect((error as Error).message).not.toContain(secret);
      expect(command).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
    expect(server.messages).toEqual([]);
    expect(server.commands.some((c) => c.startsWith("MAIL"))).toBe(false);
  });

  it("works after STARTTLS with the certificate verified", async () => {
    const { ca, server: localhost } = await makeTestPki();
    const { server, client, attempts } = await setup([], undefined, { tls: localhost });
    await client.startTls({ ca });
    await client.auth(plainAuth("", USER, PASSWORD, HOST));
    expect(attempts).toEqual([{ method: "PLAIN", username: USER }]);
    await deliver(client);
    expect(server.messages[0]!.secure).toBe(true);
  });
});

describe("authenticate(credentials): the chooser and its fallback", () => {
  it("picks the strongest advertised password mechanism (CRAM-MD5 here)", async () => {
    const { client, attempts } = await setup();
    expect(await client.authenticate({ username: USER, password: PASSWORD })).toBe("CRAM-MD5");
    expect(attempts.map((a) => a.method)).toEqual(["CRAM-MD5"]);
    await deliver(client);
  });

  it("falls back to the next mechanism when one is refused with 504", async () => {
    const { server, client, attempts } = await setup(["CRAM-MD5"]);
    expect(await client.authenticate({ username: USER, password: PASSWORD })).toBe("PLAIN");
    expect(attempts.map((a) => a.method)).toEqual(["CRAM-MD5", "PLAIN"]);
    await deliver(client);
    expect(server.messages[0]!.user).toBe(USER);
  });

  it("uses XOAUTH2 for a token", async () => {
    const { client, attempts } = await setup();
    expect(await client.authenticate({ username: USER, token: () => TOKEN })).toBe("XOAUTH2");
    expect(attempts.map((a) => a.method)).toEqual(["XOAUTH2"]);
  });

  it("fails with the last refusal when every mechanism is refused", async () => {
    const { client, attempts } = await setup(["CRAM-MD5", "PLAIN", "LOGIN"]);
    const error = await client
      .authenticate({ username: USER, password: PASSWORD })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmtpError);
    expect(attempts.map((a) => a.method)).toEqual(["CRAM-MD5", "PLAIN", "LOGIN"]);
  });
});

describe("the transcript hook never sees a secret", () => {
  it("redacts AUTH payloads in both directions", async () => {
    const lines: string[] = [];
    const { client } = await setup([], lines);
    await client.auth(loginAuth(USER, PASSWORD, HOST));
    await client.auth(plainAuth("", USER, PASSWORD, HOST)).catch(() => {}); // 503: already authenticated
    const secrets = [
      PASSWORD,
      Buffer.from(PASSWORD).toString("base64"),
      Buffer.from(USER).toString("base64"),
      Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64"),
    ];
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      for (const secret of secrets) expect(line).not.toContain(secret);
    }
    expect(lines.some((l) => l.startsWith("client: AUTH LOGIN"))).toBe(true);
  });
});
