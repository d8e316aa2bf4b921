import { describe, expect, it } from "vitest";
import { anonymousAuth } from "./anonymous.js";
import { InvalidCredentialsError, UnexpectedChallengeError } from "./errors.js";
import { externalAuth } from "./external.js";
import type { ServerInfo } from "./server-info.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const server: ServerInfo = { name: "mx.example.com", tls: false, auth: ["ANONYMOUS", "EXTERNAL"] };

describe("ANONYMOUS (RFC 4505)", () => {
  it("sends the trace as the initial response (RFC 4505 §4 example trace)", async () => {
    expect(await anonymousAuth("sirhc").start(server)).toEqual({
      mechanism: "ANONYMOUS",
      initialResponse: bytes("sirhc"),
    });
  });
  it("sends an empty trace as an EMPTY initial response, not an absent one", async () => {
    const start = await anonymousAuth().start(server);
    expect(start.initialResponse).toEqual(new Uint8Array(0));
  });
  it("refuses a trace over 255 characters or with a line break, and any challenge", async () => {
    expect(() => anonymousAuth("x".repeat(256)).start(server)).toThrow(InvalidCredentialsError);
    expect(() => anonymousAuth("a\nb").start(server)).toThrow(InvalidCredentialsError);
    const a = anonymousAuth("t");
    a.start(server);
    expect(() => a.next(bytes("?"), true)).toThrow(UnexpectedChallengeError);
  });
});

describe("EXTERNAL (RFC 4422 Appendix A)", () => {
  it("sends the authorization identity, empty by default", async () => {
    expect((await externalAuth().start(server)).initialResponse).toEqual(new Uint8Array(0));
    expect((await externalAuth("fred@example.com").start(server)).initialResponse).toEqual(
      bytes("fred@example.com"),
    );
  });
  it("answers an empty challenge with the identity (server ignored the initial response)", async () => {
    const a = externalAuth("fred");
    await a.start(server);
    expect(await a.next(new Uint8Array(0), true)).toEqual(bytes("fred"));
    expect(() => a.next(bytes("x"), true)).toThrow(UnexpectedChallengeError);
    expect(await a.next(bytes("ok"), false)).toBeNull();
  });
});
