// Drives the mechanism only through the Auth interface of @smtp/auth, the way
// an SMTP client does, and checks that nothing but @smtp/auth is imported.
import { readFileSync } from "node:fs";
import { type Auth, AuthError, type ServerInfo, UnencryptedConnectionError } from "@smtp/auth";
import { describe, expect, it } from "vitest";
import { exampleAuth } from "./index.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const server: ServerInfo = { name: "mail.example.com", tls: true, auth: ["EXAMPLE"] };

async function run(auth: Auth, challenges: string[]): Promise<(string | null)[]> {
  const start = await auth.start(server);
  const sent: (string | null)[] = [
    start.initialResponse === undefined ? null : dec(start.initialResponse),
  ];
  for (const challenge of challenges) sent.push(dec(await auth.next(enc(challenge), true)));
  sent.push(dec(await auth.next(enc("2.7.0 Authentication successful"), false)));
  return sent;
}

describe("EXAMPLE", () => {
  it("runs a whole exchange through the Auth interface", async () => {
    const auth: Auth = exampleAuth("user", "secret", "mail.example.com");
    expect((await auth.start(server)).mechanism).toBe("EXAMPLE");
    expect(await run(auth, ["go on"])).toEqual(["user", "secret", null]);
  });

  it("refuses a second challenge and a clear-text connection with @smtp/auth's errors", async () => {
    const auth = exampleAuth("user", "secret", "mail.example.com");
    await auth.start(server);
    await auth.next(enc("go on"), true);
    expect(() => auth.next(enc("again"), true)).toThrow(AuthError);
    expect(() => auth.start({ ...server, tls: false })).toThrow(UnencryptedConnectionError);
  });

  it("imports nothing but @smtp/auth", () => {
    const source = readFileSync(new URL("./index.ts", import.meta.url), "utf8");
    const specifiers = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
    expect(specifiers).toEqual(["@smtp/auth"]);
  });
});
