import { createServer, type Server, type Socket } from "node:net";
import { Readable } from "node:stream";
import { cramMd5Auth, loginAuth, plainAuth, xoauth2Auth } from "@smtp/auth";
import { RecipientsRefusedError, TlsError } from "@smtp/client";
import { type KeyPair, makeTestPki } from "@smtp/test-certs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AuthNotSupportedError,
  InvalidAddressError,
  sendMail,
  TlsRequiredError,
} from "../src/index.js";
import { scriptedServer } from "./support/scripted-server.js";
import { PASSWORD, startServer, type TestServer, TOKEN, USER } from "./support/server.js";
import { until } from "./support/wait.js";

const HOST = "127.0.0.1";
const message = (subject: string) =>
  `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\n\r\nHello.\r\n.leading dot\r\n..two dots\r\nBye.\r\n`;

// The server presents `cert` (signed by the test CA `ca`); `otherCa` is a CA that did not sign it.
let cert: KeyPair;
let ca: string;
let otherCa: string;
beforeAll(async () => {
  const pki = await makeTestPki();
  cert = pki.server;
  ca = pki.ca;
  otherCa = pki.untrusted.ca;
});

const servers: TestServer[] = [];
async function server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("sendMail", () => {
  it("sends in plain text with tls none", async () => {
    const s = await server({ hideSTARTTLS: true });
    const body = message("plain");
    const result = await sendMail(
      s.addr,
      null,
      "a@example.org",
      ["b@example.org", "c@example.org"],
      body,
      {
        tls: "none",
      },
    );
    expect(result.reply.code).toBe(250);
    expect(result.accepted).toEqual(["b@example.org", "c@example.org"]);
    expect(s.received).toHaveLength(1);
    expect(s.received[0]?.from).toBe("a@example.org");
    expect(s.received[0]?.to).toEqual(["b@example.org", "c@example.org"]);
    expect(s.received[0]?.data.toString()).toBe(body);
    expect(s.received[0]?.secure).toBe(false);
  });

  it("upgrades with STARTTLS by default, verifying the certificate for the host in addr", async () => {
    const s = await server({ key: cert.key, cert: cert.cert });
    const lines: string[] = [];
    const result = await sendMail(
      s.addr,
      null,
      "a@example.org",
      ["b@example.org"],
      message("tls"),
      {
        tlsOptions: { ca },
        onLine: (d, l) => lines.push(`${d === "client" ? "C" : "S"}: ${l}`),
      },
    );
    expect(result.reply.code).toBe(250);
    expect(s.received[0]?.secure).toBe(true);
    expect(lines).toContain("C: STARTTLS");
    // EHLO again inside TLS (RFC 3207 §4.2)
    expect(lines.filter((l) => l.startsWith("C: EHLO"))).toHaveLength(2);
  });

  it("fails when the STARTTLS certificate is not trusted, before any AUTH", async () => {
    const s = await server({ key: cert.key, cert: cert.cert, authMethods: ["PLAIN"] });
    const attempt = sendMail(
      s.addr,
      plainAuth("", USER, PASSWORD, HOST),
      "a@example.org",
      ["b@example.org"],
      message("x"),
      {
        tlsOptions: { ca: otherCa },
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(TlsError);
    expect(s.auths).toEqual([]);
    expect(s.received).toEqual([]);
  });

  it("speaks TLS from the first byte with tls implicit", async () => {
    const s = await server({ secure: true, key: cert.key, cert: cert.cert });
    const result = await sendMail(
      s.addr,
      null,
      "a@example.org",
      ["b@example.org"],
      message("implicit"),
      {
        tls: "implicit",
        tlsOptions: { ca },
      },
    );
    expect(result.reply.code).toBe(250);
    expect(s.received[0]?.secure).toBe(true);
  });

  describe("authenticates with every mechanism smtp-server offers", () => {
    const mechanisms = {
      PLAIN: () => plainAuth("", USER, PASSWORD, HOST),
      LOGIN: () => loginAuth(USER, PASSWORD, HOST),
      "CRAM-MD5": () => cramMd5Auth(USER, PASSWORD),
      XOAUTH2: () => xoauth2Auth(USER, TOKEN, HOST),
    };
    for (const [name, make] of Object.entries(mechanisms)) {
      it(name, async () => {
        const s = await server({ key: cert.key, cert: cert.cert, authMethods: [name] });
        const lines: string[] = [];
        await sendMail(s.addr, make(), "a@example.org", ["b@example.org"], message(name), {
          tls: "required",
          tlsOptions: { ca },
          onLine: (_d, l) => lines.push(l),
        });
        expect(s.auths).toEqual([{ method: name, username: USER }]);
        expect(s.received[0]?.user).toBe(USER);
        const transcript = lines.join("\n");
        expect(transcript).toContain(`AUTH ${name}`);
        expect(transcript).not.toContain(PASSWORD);
        expect(transcript).not.toContain(TOKEN);
        expect(transcript).not.toContain(Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64"));
      });
    }

    it("credentials: the client chooses the strongest advertised mechanism", async () => {
      const s = await server({
        key: cert.key,
        cert: cert.cert,
        authMethods: ["PLAIN", "LOGIN", "CRAM-MD5"],
      });
      await sendMail(
        s.addr,
        { username: USER, password: PASSWORD },
        "a@example.org",
        ["b@example.org"],
        "x\r\n",
        {
          tls: "required",
          tlsOptions: { ca },
        },
      );
      expect(s.auths).toEqual([{ method: "CRAM-MD5", username: USER }]);
      expect(s.received).toHaveLength(1);
    });

    it("a wrong password rejects with the reply error and sends nothing", async () => {
      const s = await server({ key: cert.key, cert: cert.cert, authMethods: ["PLAIN"] });
      const attempt = sendMail(
        s.addr,
        plainAuth("", USER, "wrong", HOST),
        "a@example.org",
        ["b@example.org"],
        "x",
        {
          tlsOptions: { ca },
        },
      );
      await expect(attempt).rejects.toMatchObject({
        code: "ERR_SMTP_REPLY",
        replyCode: 535,
        phase: "auth",
      });
      expect(s.received).toEqual([]);
    });
  });

  it("refused recipient: aborts by default, nothing delivered", async () => {
    const s = await server({
      hideSTARTTLS: true,
      refuse: (a) => (a.startsWith("nobody") ? "550 5.1.1 no such user" : undefined),
    });
    const attempt = sendMail(
      s.addr,
      null,
      "a@example.org",
      ["b@example.org", "nobody@example.org"],
      "x\r\n",
      {
        tls: "none",
      },
    );
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecipientsRefusedError);
    const refused = error as RecipientsRefusedError;
    expect(refused.recipients.map((r) => [r.address, r.ok, r.reply.code])).toEqual([
      ["b@example.org", true, 250],
      ["nobody@example.org", false, 550],
    ]);
    expect(s.received).toEqual([]);
  });

  it('refused recipient: "continue" delivers to the rest and reports the refusal', async () => {
    const s = await server({
      hideSTARTTLS: true,
      hideENHANCEDSTATUSCODES: false,
      refuse: (a) => (a.startsWith("nobody") ? "550 no such user" : undefined),
    });
    const result = await sendMail(
      s.addr,
      null,
      "a@example.org",
      ["b@example.org", "nobody@example.org"],
      "x\r\n",
      {
        tls: "none",
        onRecipientRefused: "continue",
      },
    );
    expect(result.accepted).toEqual(["b@example.org"]);
    expect(result.rejected.map((r) => [r.address, r.reply.code, r.reply.enhancedCode])).toEqual([
      ["nobody@example.org", 550, "5.1.1"],
    ]);
    expect(result.rejected[0]?.reply.message).toContain("no such user");
    expect(s.received.map((r) => r.to)).toEqual([["b@example.org"]]);
  });

  it('auth given and no AUTH advertised: "server doesn\'t support AUTH"', async () => {
    const s = await server({ hideSTARTTLS: true, disabledCommands: ["AUTH"] });
    const attempt = sendMail(
      s.addr,
      plainAuth("", USER, PASSWORD, HOST),
      "a@example.org",
      ["b@example.org"],
      "x",
      {
        tls: "none",
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(AuthNotSupportedError);
    await expect(attempt).rejects.toThrow("server doesn't support AUTH");
    expect(s.received).toEqual([]);
  });

  it("auth given and the server answers HELO only: an error, not Go's silent skip", async () => {
    const helo = await heloOnlyServer();
    try {
      const attempt = sendMail(
        helo.addr,
        plainAuth("", USER, PASSWORD, HOST),
        "a@example.org",
        ["b@example.org"],
        "x",
        {
          tls: "none",
        },
      );
      await expect(attempt).rejects.toThrow(
        "server doesn't support AUTH (the server answered HELO only)",
      );
      expect(helo.lines).toContain("HELO localhost");
      expect(helo.lines.some((l) => l.startsWith("MAIL"))).toBe(false);
    } finally {
      await helo.close();
    }
  });

  it('tls "required" and no STARTTLS: an error, no credentials and no envelope sent', async () => {
    const s = await server({ hideSTARTTLS: true, authMethods: ["PLAIN"], allowInsecureAuth: true });
    const lines: string[] = [];
    const attempt = sendMail(
      s.addr,
      plainAuth("", USER, PASSWORD, HOST),
      "a@example.org",
      ["b@example.org"],
      "x",
      {
        tls: "required",
        onLine: (d, l) => d === "client" && lines.push(l),
      },
    );
    await expect(attempt).rejects.toBeInstanceOf(TlsRequiredError);
    expect(s.auths).toEqual([]);
    expect(lines.filter((l) => !/^(EHLO|QUIT)/.test(l))).toEqual([]);
  });

  it("a refused STARTTLS is an error even in opportunistic mode; nothing more is sent", async () => {
    const srv = await scriptedServer({
      onCommand: (line) => {
        if (line.startsWith("EHLO")) return "250-scripted\r\n250 STARTTLS";
        if (line === "STARTTLS") return "454 4.7.0 TLS not available";
        return undefined;
      },
    });
    try {
      const attempt = sendMail(srv.addr, null, "a@example.org", ["b@example.org"], "x\r\n");
      await expect(attempt).rejects.toMatchObject({ code: "ERR_SMTP_REPLY", replyCode: 454 });
      expect(srv.lines.filter((l) => /^(MAIL|RCPT|DATA|AUTH)/.test(l))).toEqual([]);
    } finally {
      await srv.close();
    }
  });

  it("passes timeouts and the AbortSignal to the session", async () => {
    // A server that accepts the connection and never greets.
    const silent = createServer(() => {});
    const sockets = new Set<Socket>();
    silent.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
    const addr = `${HOST}:${(silent.address() as { port: number }).port}`;
    try {
      await expect(
        sendMail(addr, null, "a@example.org", ["b@example.org"], "x", {
          tls: "none",
          timeouts: { greeting: 50 },
        }),
      ).rejects.toMatchObject({ code: "ERR_TIMEOUT", phase: "greeting" });
      const controller = new AbortController();
      const attempt = sendMail(addr, null, "a@example.org", ["b@example.org"], "x", {
        tls: "none",
        signal: controller.signal,
      });
      controller.abort(new Error("user cancelled"));
      await expect(attempt).rejects.toMatchObject({ code: "ERR_ABORTED" });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("resolves when the message is accepted and QUITs in the background; awaitQuit waits for 221", async () => {
    const srv = await scriptedServer({});
    try {
      const early: string[] = [];
      await sendMail(srv.addr, null, "a@example.org", ["b@example.org"], "x\r\n", {
        onLine: (d, l) => early.push(`${d} ${l}`),
      });
      expect(early).toContain("server 250 2.0.0 queued");
      await until(() => early.includes("server 221 bye"));
      const waited: string[] = [];
      await sendMail(srv.addr, null, "a@example.org", ["b@example.org"], "x\r\n", {
        awaitQuit: true,
        onLine: (d, l) => waited.push(`${d} ${l}`),
      });
      expect(waited.slice(-2)).toEqual(["client QUIT", "server 221 bye"]);
      expect(srv.accepted).toHaveLength(2);
    } finally {
      await srv.close();
    }
  });

  it("with PIPELINING, QUIT leaves with the final dot; the result is still the dot's reply", async () => {
    const srv = await scriptedServer({
      onCommand: (line) => (line.startsWith("EHLO") ? "250-scripted\r\n250 PIPELINING" : undefined),
    });
    try {
      const transcript: string[] = [];
      const result = await sendMail(srv.addr, null, "a@example.org", ["b@example.org"], "x\r\n", {
        awaitQuit: true,
        onLine: (d, l) => transcript.push(`${d} ${l}`),
      });
      expect(result.reply.message).toBe("2.0.0 queued");
      // QUIT was written before the dot's reply was read: they shared the write.
      expect(transcript.slice(-3)).toEqual([
        "client QUIT",
        "server 250 2.0.0 queued",
        "server 221 bye",
      ]);
      expect(srv.accepted).toEqual(["x\r\n"]);
    } finally {
      await srv.close();
    }
  });

  it("a bad address: nothing is dialed", async () => {
    const s = await server({ hideSTARTTLS: true });
    for (const [from, to] of [
      ["a@example.org\r\nRSET", ["b@example.org"]],
      ["a@example.org", ["b@example.org", "c@example.org\nDATA"]],
      ["a@example.org", ["b\u0000@example.org"]],
      ["a@example.org", []],
    ] as const) {
      await expect(sendMail(s.addr, null, from, to, "x", { tls: "none" })).rejects.toBeInstanceOf(
        InvalidAddressError,
      );
    }
    // A good call afterwards is the first connection the server ever saw.
    await sendMail(s.addr, null, "a@example.org", ["b@example.org"], "x\r\n", { tls: "none" });
    expect(s.connections).toBe(1);
  });

  describe("streams every body type byte-exact", () => {
    const text = `${"line of text with a . in it\r\n".repeat(2000)}.starts with a dot\r\nend\r\n`;
    const bytes = new TextEncoder().encode(text);
    const chunked = () => {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += 997) parts.push(bytes.subarray(i, i + 997));
      return parts;
    };
    const bodies = {
      string: () => text,
      Uint8Array: () => bytes,
      Readable: () => Readable.from(chunked().map((c) => Buffer.from(c))),
      ReadableStream: () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const c of chunked()) controller.enqueue(c);
            controller.close();
          },
        }),
      "async iterable": () =>
        (async function* () {
          for (const c of chunked()) yield c;
        })(),
    };
    for (const [name, make] of Object.entries(bodies)) {
      it(name, async () => {
        const s = await server({ hideSTARTTLS: true });
        await sendMail(s.addr, null, "a@example.org", ["b@example.org"], make(), { tls: "none" });
        expect(s.received[0]?.data.equals(Buffer.from(bytes))).toBe(true);
      });
    }
  });
});

/** A server that refuses EHLO and accepts HELO (an old MTA), for the AUTH rule. */
async function heloOnlyServer(): Promise<{
  addr: string;
  lines: string[];
  close(): Promise<void>;
}> {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const srv: Server = createServer((socket) => {
    sockets.add(socket);
    socket.write("220 old.example ready\r\n");
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      let i = buffer.indexOf("\r\n");
      while (i >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        lines.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") socket.write("502 5.5.2 command not recognized\r\n");
        else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
        i = buffer.indexOf("\r\n");
      }
    });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => srv.listen(0, HOST, resolve));
  const { port } = srv.address() as { port: number };
  return {
    addr: `${HOST}:${port}`,
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
