import { describe, expect, it } from "vitest";
import type { Auth } from "./auth.js";
import { chooseMechanisms, isFallbackReply } from "./choose.js";
import type { ServerInfo } from "./server-info.js";

const host = "mail.example.com";
const server = (auth: string[]): ServerInfo => ({ name: host, tls: true, auth });
const ALL = [
  "LOGIN",
  "PLAIN",
  "CRAM-MD5",
  "SCRAM-SHA-1",
  "SCRAM-SHA-256",
  "SCRAM-SHA-1-PLUS",
  "SCRAM-SHA-256-PLUS",
  "XOAUTH2",
  "OAUTHBEARER",
];
const binding = { type: "tls-exporter" as const, data: new Uint8Array(32) };

async function names(auths: Auth[], advertised: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of auths) out.push((await a.start(server(advertised))).mechanism);
  return out;
}

describe("chooseMechanisms", () => {
  it("orders password mechanisms strongest first, -PLUS only with channel binding", async () => {
    const password = { username: "u", password: "p" };
    expect(await names(chooseMechanisms(password, ALL, { host }), ALL)).toEqual([
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
      "CRAM-MD5",
      "PLAIN",
      "LOGIN",
    ]);
    expect(
      await names(chooseMechanisms(password, ALL, { host, channelBinding: binding }), ALL),
    ).toEqual([
      "SCRAM-SHA-256-PLUS",
      "SCRAM-SHA-1-PLUS",
      "SCRAM-SHA-256",
      "SCRAM-SHA-1",
      "CRAM-MD5",
      "PLAIN",
      "LOGIN",
    ]);
  });

  it("offers only what the server advertised, compared case-insensitively", async () => {
    const advertised = ["login", "Plain", "scram-sha-1"];
    const chosen = chooseMechanisms({ username: "u", password: "p" }, advertised, { host });
    expect(await names(chosen, advertised)).toEqual(["SCRAM-SHA-1", "PLAIN", "LOGIN"]);
    expect(chooseMechanisms({ username: "u", password: "p" }, ["GSSAPI"], { host })).toEqual([]);
  });

  it("orders OAUTHBEARER before XOAUTH2 for tokens and never offers a password mechanism", async () => {
    const chosen = chooseMechanisms({ username: "u", token: "t" }, ALL, { host, port: 587 });
    expect(await names(chosen, ALL)).toEqual(["OAUTHBEARER", "XOAUTH2"]);
    const start = await chosen[0]!.start(server(ALL));
    expect(Buffer.from(start.initialResponse!).toString()).toContain("\x01port=587\x01");
  });

  it("honours allowedMechanisms", async () => {
    const chosen = chooseMechanisms({ username: "u", password: "p" }, ALL, {
      host,
      allowedMechanisms: ["plain", "SCRAM-SHA-256"],
    });
    expect(await names(chosen, ALL)).toEqual(["SCRAM-SHA-256", "PLAIN"]);
  });

  it("skips CRAM-MD5 and LOGIN when an authorization identity is asked for (they cannot carry one)", async () => {
    const chosen = chooseMechanisms({ username: "u", password: "p", identity: "boss" }, ALL, {
      host,
    });
    expect(await names(chosen, ALL)).toEqual(["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"]);
    const plain = await chosen[2]!.start(server(ALL));
    expect(Buffer.from(plain.initialResponse!).toString()).toBe("boss\0u\0p");
  });

  it("builds mechanisms bound to the host: a different server name is refused", async () => {
    const [plain] = chooseMechanisms({ username: "u", password: "p" }, ["PLAIN"], { host });
    await expect(
      Promise.resolve().then(() => plain!.start({ name: "evil.example", tls: true, auth: [] })),
    ).rejects.toThrow("wrong host name");
  });
});

describe("isFallbackReply", () => {
  it.each([
    [504, true],
    [534, true],
    [535, true],
    [454, false],
    [530, false],
    [538, false],
    [421, false],
    [501, false],
    [235, false],
  ])("%d -> %s", (code, expected) => {
    expect(isFallbackReply(code)).toBe(expected);
  });
});
