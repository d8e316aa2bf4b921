import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { type KeyPair, makeTestPki } from "@smtp/test-certs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, main } from "../src/index.js";
import { PASSWORD, startServer, type TestServer, USER } from "./support/server.js";

class Capture extends Writable {
  text = "";
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function io(options: { stdin?: string; env?: Record<string, string> } = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const cli: CliIo = { stdout, stderr, stdin, env: options.env ?? {} };
  return { cli, stdout, stderr };
}

// Self-signed, as on a development server: the probe tests print its subject and issuer.
let cert: KeyPair;
let dir: string;
let caFile: string;
beforeAll(async () => {
  cert = (await makeTestPki()).selfSigned;
  dir = mkdtempSync(join(tmpdir(), "smtp-cli-test-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, cert.cert);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: TestServer[] = [];
async function server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer({ key: cert.key, cert: cert.cert, ...options });
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const eml = (n: number, to = "bob@example.org") =>
  `From: Alice <alice@example.org>\r\nTo: Bob <${to}>\r\nSubject: cli ${n}\r\n\r\nbody ${n}\r\n`;

describe("smtp send", () => {
  it("sends a file over required STARTTLS with AUTH; --transcript shows the redacted session", async () => {
    const s = await server({ authMethods: ["PLAIN", "LOGIN"] });
    const file = join(dir, "one.eml");
    writeFileSync(file, eml(1));
    const { cli, stdout, stderr } = io({ env: { SMTP_PASSWORD: PASSWORD } });
    const code = await main(
      ["send", "--server", s.addr, "--tls", "required", "--ca", caFile, "--user", USER]
        .concat([
          "--from",
          "alice@example.org",
          "--to",
          "bob@example.org",
          "--to",
          "carol@example.org",
        ])
        .concat(["--file", file, "--transcript"]),
      cli,
    );
    expect(stderr.text).toContain("C: STARTTLS");
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/^sent: 250 /);
    expect(stdout.text).toContain("accepted: bob@example.org, carol@example.org");
    expect(stderr.text).toMatch(/C: AUTH PLAIN \S+/);
    expect(stderr.text).not.toContain(PASSWORD);
    expect(stderr.text).not.toContain(Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64"));
    expect(s.received).toHaveLength(1);
    expect(s.received[0]?.data.toString()).toBe(eml(1));
    expect(s.received[0]?.user).toBe(USER);
  });

  it("reads the message from stdin", async () => {
    const s = await server({ hideSTARTTLS: true });
    const { cli, stdout } = io({ stdin: eml(2) });
    const code = await main(
      ["send", "-s", s.addr, "--tls", "none", "-f", "a@example.org", "-t", "b@example.org"],
      cli,
    );
    expect(code).toBe(0);
    expect(stdout.text).toContain("sent: 250");
    expect(s.received[0]?.data.toString()).toBe(eml(2));
  });

  it("a refused recipient exits 69 and names the recipient; --continue delivers to the rest (exit 1)", async () => {
    const s = await server({
      hideSTARTTLS: true,
      refuse: (a) => (a.startsWith("nobody") ? "550 no such user" : undefined),
    });
    const args = [
      "send",
      "-s",
      s.addr,
      "--tls",
      "none",
      "-f",
      "a@example.org",
      "-t",
      "b@example.org",
      "-t",
      "nobody@example.org",
    ];
    const first = io({ stdin: eml(3) });
    expect(await main(args, first.cli)).toBe(69);
    expect(first.stderr.text).toContain("refused: nobody@example.org: 550");
    const second = io({ stdin: eml(3) });
    expect(await main([...args, "--continue"], second.cli)).toBe(1);
    expect(second.stdout.text).toContain("refused: nobody@example.org: 550");
    expect(s.received.map((r) => r.to)).toEqual([["b@example.org"]]);
  });

  it("usage mistakes exit 64 with a helpful message", async () => {
    const cases: [string[], string][] = [
      [["send", "--server", "h:25", "--to", "b@x"], "--from is required"],
      [["send", "--server", "h:25", "--from", "a@x"], "at least one --to"],
      [
        ["send", "--server", "h:25", "--from", "a@x", "--to", "b@x", "--user", "u"],
        "SMTP_PASSWORD",
      ],
      [
        ["send", "--server", "h:25", "--tls", "maybe", "--from", "a@x", "--to", "b@x"],
        "--tls must be one of",
      ],
      [["send", "--nope"], "Unknown option"],
      [["frobnicate"], 'unknown command "frobnicate"'],
    ];
    for (const [argv, text] of cases) {
      const { cli, stderr } = io({ stdin: "x" });
      expect(await main(argv, cli)).toBe(64);
      expect(stderr.text).toContain(text);
    }
  });

  it("a missing file exits 66 and nothing is dialed", async () => {
    const s = await server({ hideSTARTTLS: true });
    const { cli, stderr } = io();
    const code = await main(
      [
        "send",
        "-s",
        s.addr,
        "--tls",
        "none",
        "-f",
        "a@x.org",
        "-t",
        "b@x.org",
        "--file",
        join(dir, "missing.eml"),
      ],
      cli,
    );
    expect(code).toBe(66);
    expect(stderr.text).toContain("cannot read");
    expect(s.connections).toBe(0);
  });
});

describe("smtp probe", () => {
  it("shows greeting, capabilities, STARTTLS, the certificate, AUTH and SIZE", async () => {
    const s = await server({ authMethods: ["PLAIN", "LOGIN"], size: 10 * 1024 * 1024 });
    const { cli, stdout } = io();
    const code = await main(["probe", s.addr, "--ca", caFile], cli);
    const out = stdout.text;
    expect(code).toBe(0);
    expect(out).toMatch(/^greeting\s+220 /m);
    expect(out).toMatch(/^EHLO\s+.*STARTTLS/m);
    expect(out).toMatch(/^TLS\s+TLSv1\.[23] .*certificate verified/m);
    expect(out).toMatch(/^subject\s+CN=localhost/m);
    expect(out).toMatch(/^issuer\s+CN=localhost/m);
    expect(out).toMatch(/^expires\s+\d{4}-\d\d-\d\dT.* \(in \d+ days\)/m);
    expect(out).toMatch(/^AUTH\s+PLAIN LOGIN$/m);
    expect(out).toMatch(/^SIZE\s+10 MiB \(10485760 bytes\)$/m);
    expect(s.auths).toEqual([]);
  });

  it("an untrusted certificate: STARTTLS FAILED, exit 77, and the presented certificate is shown", async () => {
    const s = await server();
    const { cli, stdout } = io();
    const code = await main(["probe", s.addr], cli);
    expect(code).toBe(77);
    expect(stdout.text).toMatch(/^STARTTLS\s+FAILED: /m);
    expect(stdout.text).toContain("NOT trusted");
    expect(stdout.text).toMatch(/^subject\s+CN=localhost/m);
  });

  it("implicit TLS: the certificate first, then the capabilities inside TLS", async () => {
    const s = await server({ secure: true, authMethods: ["PLAIN"] });
    const { cli, stdout } = io();
    const code = await main(["probe", s.addr, "--tls", "implicit", "--ca", caFile], cli);
    expect(code).toBe(0);
    expect(stdout.text).toMatch(/^TLS\s+TLSv1\.[23] .*certificate verified/m);
    expect(stdout.text).toMatch(/^EHLO \(TLS\)\s+/m);
    expect(stdout.text).toMatch(/^AUTH\s+PLAIN$/m);
  });

  it("--insecure connects to an untrusted certificate and says it is not verified", async () => {
    const s = await server();
    const { cli, stdout } = io();
    expect(await main(["probe", s.addr, "--insecure"], cli)).toBe(0);
    expect(stdout.text).toMatch(/^TLS\s+.*certificate NOT verified/m);
  });

  it("a server without STARTTLS is reported as plain text", async () => {
    const s = await server({ hideSTARTTLS: true });
    const { cli, stdout } = io();
    expect(await main(["probe", s.addr], cli)).toBe(0);
    expect(stdout.text).toMatch(/^STARTTLS\s+not offered/m);
  });
});

describe("smtp bulk", () => {
  it("sends a folder through the pool, envelope from each file's headers, with a summary", async () => {
    const s = await server({
      hideSTARTTLS: true,
      refuse: (a) => (a.startsWith("nobody") ? "550 no such user" : undefined),
    });
    const folder = join(dir, "bulk");
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 25; i++) {
      writeFileSync(
        join(folder, `${String(i).padStart(3, "0")}.eml`),
        eml(i, i === 7 ? "nobody@example.org" : "bob@example.org"),
      );
    }
    const { cli, stdout } = io();
    const code = await main(
      ["bulk", "-s", s.addr, "--tls", "none", "--dir", folder, "--connections", "3"],
      cli,
    );
    expect(code).toBe(1);
    const lines = stdout.text.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("sent "))).toHaveLength(24);
    expect(lines.filter((l) => l.startsWith("refused "))).toEqual([
      expect.stringContaining("007.eml"),
    ]);
    expect(lines.at(-1)).toMatch(
      /^summary: sent 24, refused 1, failed 0, unknown 0, [\d.]+ messages\/s/,
    );
    expect(s.received).toHaveLength(24);
    expect(s.connections).toBeLessThanOrEqual(3);
  });

  it("sends a list of files with --from/--to overriding the headers; a progress line on a TTY", async () => {
    const s = await server({ hideSTARTTLS: true });
    const names = ["a.eml", "b.eml", "c.eml"];
    for (const [i, name] of names.entries()) writeFileSync(join(dir, name), eml(i));
    const list = join(dir, "list.txt");
    writeFileSync(list, `# messages\n${names.join("\n")}\n`);
    const { cli, stdout } = io();
    stdout.isTTY = true;
    const code = await main(
      [
        "bulk",
        "-s",
        s.addr,
        "--tls",
        "none",
        "--list",
        list,
        "--from",
        "ops@example.org",
        "--to",
        "x@example.org",
      ],
      cli,
    );
    expect(code).toBe(0);
    expect(s.received.map((r) => [r.from, r.to])).toEqual(
      names.map(() => ["ops@example.org", ["x@example.org"]]),
    );
    expect(stdout.text).toContain("\r\x1b[K");
    expect(stdout.text).toMatch(/summary: sent 3, refused 0, failed 0, unknown 0/);
  });

  it("needs exactly one of --dir and --list", async () => {
    const { cli, stderr } = io();
    expect(await main(["bulk", "-s", "127.0.0.1:25"], cli)).toBe(64);
    expect(stderr.text).toContain("exactly one of --dir FOLDER or --list FILE");
  });
});
