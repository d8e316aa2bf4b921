// SCRAM tests: the RFC exchanges, the failure modes, and agreement with a small
// SCRAM server written here from RFC 5802 §3 (it shares no code with scram.ts).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Auth } from "./auth.js";
import {
  InvalidChallengeError,
  InvalidCredentialsError,
  SaslPrepError,
  ScramIterationCountError,
  ScramNonceError,
  ScramServerError,
  ServerSignatureError,
  UnexpectedChallengeError,
} from "./errors.js";
import { scramSha1Auth, scramSha1PlusAuth, scramSha256Auth, scramSha256PlusAuth } from "./scram.js";
import type { ServerInfo } from "./server-info.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null | undefined) => (b == null ? "" : new TextDecoder().decode(b));
const server: ServerInfo = {
  name: "mail.example.com",
  tls: true,
  auth: ["SCRAM-SHA-256", "SCRAM-SHA-1"],
};
const SUCCESS = enc("2.7.0 Authentication successful");

async function expectRejection(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

// ---------------------------------------------------------------------------
// A SCRAM server from RFC 5802 §3, for the exchange tests and the property test.
type NodeHash = "sha1" | "sha256";

function unescapeSaslName(name: string): string {
  return name.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

function testServer(
  hash: NodeHash,
  opts: {
    /** The password as the server stores it (already prepared). */
    password: string;
    salt: Buffer;
    iterations: number;
    serverNonce: string;
    channelBindingData?: Uint8Array;
  },
) {
  const hmac = (key: Uint8Array, data: string) => createHmac(hash, key).update(data).digest();
  const length = hash === "sha1" ? 20 : 32;
  const salted = pbkdf2Sync(opts.password, opts.salt, opts.iterations, length, hash);
  const storedKey = createHash(hash).update(hmac(salted, "Client Key")).digest();
  const serverKey = hmac(salted, "Server Key");
  let gs2Header = "";
  let clientFirstBare = "";
  let serverFirst = "";
  const seen = { username: "", authzid: "", flag: "" };
  return {
    seen,
    first(clientFirst: string): string {
      const m = /^((n|y|p=[A-Za-z0-9.-]+),(?:a=([^,]*))?,)(n=([^,]*),r=([^,]+))$/.exec(clientFirst);
      if (!m) throw new Error(`bad client-first ${JSON.stringify(clientFirst)}`);
      gs2Header = m[1]!;
      seen.flag = m[2]!;
      seen.authzid = unescapeSaslName(m[3] ?? "");
      clientFirstBare = m[4]!;
      seen.username = unescapeSaslName(m[5]!);
      serverFirst = `r=${m[6]}${opts.serverNonce},s=${opts.salt.toString("base64")},i=${opts.iterations}`;
      return serverFirst;
    },
    final(clientFinal: string): string {
      const m = /^(c=([^,]*),r=([^,]*)),p=([^,]*)$/.exec(clientFinal);
      if (!m) throw new Error("bad client-final");
      const cb = Buffer.concat([
        Buffer.from(gs2Header),
        Buffer.from(opts.channelBindingData ?? []),
      ]);
      if (m[2] !== cb.toString("base64")) return "e=channel-bindings-dont-match";
      const authMessage = `${clientFirstBare},${serverFirst},${m[1]}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(m[4]!, "base64");
      const clientKey = Buffer.from(proof.map((b, k) => b ^ signature[k]!));
      if (!createHash(hash).update(clientKey).digest().equals(storedKey)) return "e=invalid-proof";
      return `v=${hmac(serverKey, authMessage).toString("base64")}`;
    },
  };
}

/** Drives `auth` against `srv` the way an SMTP client does (RFC 4954 §4). */
async function exchange(auth: Auth, srv: ReturnType<typeof testServer>): Promise<void> {
  const start = await auth.start(server);
  const serverFirst = srv.first(dec(start.initialResponse));
  const clientFinal = await auth.next(enc(serverFirst), true);
  const serverFinal = srv.final(dec(clientFinal));
  expect(dec(await auth.next(enc(serverFinal), true))).toBe("");
  expect(await auth.next(SUCCESS, false)).toBeNull();
}

// ---------------------------------------------------------------------------

describe("SCRAM-SHA-1: RFC 5802 §5", () => {
  it("reproduces the whole exchange, verifies v= and sends the empty final response", async () => {
    const a = scramSha1Auth("user", "pencil", { nonce: () => "fyko+d2lbbFgONRv9qkxdawL" });
    const start = await a.start(server);
    expect(start.mechanism).toBe("SCRAM-SHA-1");
    expect(dec(start.initialResponse)).toBe("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    const final = await a.next(
      enc("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"),
      true,
    );
    expect(dec(final)).toBe(
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    );
    expect(await a.next(enc("v=rmF9pqV8S7suAoZWja4dJRkFsKQ="), true)).toEqual(new Uint8Array(0));
    expect(await a.next(SUCCESS, false)).toBeNull();
  });
});

describe("SCRAM-SHA-256: RFC 7677 §3", () => {
  it("reproduces the whole exchange", async () => {
    const a = scramSha256Auth("user", "pencil", { nonce: () => "rOprNGfwEbeRWgbNEkqO" });
    const start = await a.start(server);
    expect(start.mechanism).toBe("SCRAM-SHA-256");
    expect(dec(start.initialResponse)).toBe("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    const final = await a.next(
      enc("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
      true,
    );
    expect(dec(final)).toBe(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    );
    expect(await a.next(enc("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), true)).toEqual(
      new Uint8Array(0),
    );
    expect(await a.next(SUCCESS, false)).toBeNull();
  });
});

describe("SCRAM failures", () => {
  const rfc7677 = () => scramSha256Auth("user", "pencil", { nonce: () => "rOprNGfwEbeRWgbNEkqO" });
  const serverFirst = enc(
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  );

  it("refuses a tampered server signature, and then refuses to believe 235", async () => {
    const a = rfc7677();
    await a.start(server);
    await a.next(serverFirst, true);
    // One character changed in the RFC's v=.
    const error = await expectRejection(() =>
      a.next(enc("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95H4="), true),
    );
    expect(error).toBeInstanceOf(ServerSignatureError);
    expect((error as ServerSignatureError).code).toBe("ERR_AUTH_SERVER_SIGNATURE");
    expect(await expectRejection(() => a.next(SUCCESS, false))).toBeInstanceOf(
      ServerSignatureError,
    );
  });

  it("refuses the right signature written as non-canonical base64 (stray trailing bits)", async () => {
    const a = rfc7677();
    await a.start(server);
    await a.next(serverFirst, true);
    // "5" differs from the RFC's "4" only in bits base64 padding discards.
    const error = await expectRejection(() =>
      a.next(enc("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5="), true),
    );
    expect(error).toBeInstanceOf(ServerSignatureError);
  });

  it("refuses a signature of the wrong length and a success without any signature", async () => {
    const a = rfc7677();
    await a.start(server);
    await a.next(serverFirst, true);
    expect(await expectRejection(() => a.next(enc("v=AAAA"), true))).toBeInstanceOf(
      ServerSignatureError,
    );

    const b = rfc7677();
    await b.start(server);
    await b.next(serverFirst, true);
    const error = await expectRejection(() => b.next(SUCCESS, false));
    expect(error).toBeInstanceOf(ServerSignatureError);
  });

  it("accepts v= delivered with the success instead of as a challenge", async () => {
    const a = rfc7677();
    await a.start(server);
    await a.next(serverFirst, true);
    expect(await a.next(enc("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), false)).toBeNull();
  });

  it("refuses a server nonce that does not start with the client nonce, or adds nothing", async () => {
    for (const bad of [
      "r=XOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "r=%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    ]) {
      const a = rfc7677();
      await a.start(server);
      const error = await expectRejection(() => a.next(enc(bad), true));
      expect(error).toBeInstanceOf(ScramNonceError);
      expect((error as ScramNonceError).code).toBe("ERR_AUTH_SCRAM_NONCE");
    }
  });

  it("refuses an iteration count below 4096 unless told otherwise", async () => {
    const weak = enc("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095");
    const a = rfc7677();
    await a.start(server);
    const error = await expectRejection(() => a.next(weak, true));
    expect(error).toBeInstanceOf(ScramIterationCountError);
    expect((error as ScramIterationCountError).iterations).toBe(4095);
    expect((error as ScramIterationCountError).minimum).toBe(4096);

    // A legacy server with 1000 iterations, allowed explicitly, runs to the end.
    const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
    const srv = testServer("sha256", {
      password: "pencil",
      salt,
      iterations: 1000,
      serverNonce: "srv",
    });
    await exchange(scramSha256Auth("user", "pencil", { minIterations: 1000 }), srv);
  });

  it("refuses an absurd iteration count (a server stalling the client)", async () => {
    const a = rfc7677();
    await a.start(server);
    const error = await expectRejection(() =>
      a.next(enc("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000000"), true),
    );
    expect(error).toBeInstanceOf(ScramIterationCountError);
  });

  it("turns e= into a typed ScramServerError, in either server message", async () => {
    const a = rfc7677();
    await a.start(server);
    await a.next(serverFirst, true);
    const error = await expectRejection(() => a.next(enc("e=invalid-proof"), true));
    expect(error).toBeInstanceOf(ScramServerError);
    expect((error as ScramServerError).serverError).toBe("invalid-proof");
    expect((error as ScramServerError).code).toBe("ERR_AUTH_SCRAM_SERVER");

    const b = rfc7677();
    await b.start(server);
    const early = await expectRejection(() => b.next(enc("e=unknown-user"), true));
    expect((early as ScramServerError).serverError).toBe("unknown-user");
  });

  it.each([
    ["missing salt", "r=rOprNGfwEbeRWgbNEkqOx,i=4096"],
    ["salt not base64", "r=rOprNGfwEbeRWgbNEkqOx,s=***,i=4096"],
    ["iteration count not a number", "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=lots"],
    ["mandatory extension", "m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"],
    ["garbage", "hello"],
  ])("refuses a malformed server-first-message: %s", async (_name, message) => {
    const a = rfc7677();
    await a.start(server);
    expect(await expectRejection(() => a.next(enc(message), true))).toBeInstanceOf(
      InvalidChallengeError,
    );
  });

  it("refuses a challenge after the signature was verified", async () => {
    const a = rfc7677();
    await a.start(server);
    await a.next(serverFirst, true);
    await a.next(enc("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), true);
    expect(await expectRejection(() => a.next(enc("more?"), true))).toBeInstanceOf(
      UnexpectedChallengeError,
    );
  });

  it("refuses a user name with CR, LF or NUL, and a password SASLprep prohibits, before sending", () => {
    expect(() => scramSha256Auth("us\ner", "p").start(server)).toThrow(InvalidCredentialsError);
    expect(() => scramSha256Auth("user", "pass\u0007").start(server)).toThrow(SaslPrepError);
  });
});

describe("SCRAM user names and passwords beyond ASCII", () => {
  it("escapes ',' and '=' in user name and authorization identity (RFC 5802 §5.1)", async () => {
    const a = scramSha256Auth("us,er=x", "p", { identity: "ad=min,", nonce: () => "abc" });
    expect(dec((await a.start(server)).initialResponse)).toBe(
      "n,a=ad=3Dmin=2C,n=us=2Cer=3Dx,r=abc",
    );
  });

  it("SASLprep's the user name: NFKC and mapped spaces", async () => {
    const a = scramSha256Auth("ｊüｒｇｅｎ\u00A0smith", "p", { nonce: () => "abc" });
    expect(dec((await a.start(server)).initialResponse)).toBe("n,,n=jürgen smith,r=abc");
  });

  it("computes the proof for a UTF-8 password with spaces exactly as an independent node:crypto computation", async () => {
    // The password as typed, with a NO-BREAK SPACE and a decomposed "ö"; SASLprep
    // turns it into this string, written out by hand:
    const typed = "pässwo\u0308rd mit\u00A0Leerzeichen";
    const prepared = "p\u00E4ssw\u00F6rd mit Leerzeichen";
    const salt = Buffer.from("c2FsdHktc2FsdA==", "base64");
    const clientNonce = "clientnonce123";
    const fullNonce = `${clientNonce}servernonce456`;

    const a = scramSha256Auth("jürgen", typed, { nonce: () => clientNonce });
    const start = await a.start(server);
    const serverFirst = `r=${fullNonce},s=${salt.toString("base64")},i=4096`;
    const clientFinal = dec(await a.next(enc(serverFirst), true));

    // RFC 5802 §3, step by step, with node:crypto only.
    const salted = pbkdf2Sync(Buffer.from(prepared, "utf8"), salt, 4096, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const withoutProof = `c=biws,r=${fullNonce}`;
    const authMessage = `${dec(start.initialResponse).slice(3)},${serverFirst},${withoutProof}`;
    expect(authMessage.startsWith("n=jürgen,r=clientnonce123,")).toBe(true);
    const signature = createHmac("sha256", storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, k) => b ^ signature[k]!));
    expect(clientFinal).toBe(`${withoutProof},p=${proof.toString("base64")}`);

    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    const v = createHmac("sha256", serverKey).update(authMessage).digest("base64");
    expect(await a.next(enc(`v=${v}`), true)).toEqual(new Uint8Array(0));
    expect(await a.next(SUCCESS, false)).toBeNull();
  });

  it("the same password typed with a no-break space or a plain space authenticates alike", async () => {
    const salt = randomBytes(16);
    for (const typed of ["correct horse", "correct\u00A0horse", "correct\u2003horse"]) {
      const srv = testServer("sha1", {
        password: "correct horse",
        salt,
        iterations: 4096,
        serverNonce: "s",
      });
      await exchange(scramSha1Auth("user", typed), srv);
    }
  });
});

describe("SCRAM channel binding (-PLUS)", () => {
  const data = Uint8Array.from(randomBytes(32));

  it("sends p=<type> and c=base64(gs2-header + data), and agrees with the server", async () => {
    for (const type of ["tls-exporter", "tls-server-end-point"] as const) {
      const a = scramSha256PlusAuth("user", "pencil", { type, data }, { nonce: () => "abc" });
      const start = await a.start(server);
      expect(start.mechanism).toBe("SCRAM-SHA-256-PLUS");
      expect(dec(start.initialResponse)).toBe(`p=${type},,n=user,r=abc`);
      const salt = randomBytes(16);
      const srv = testServer("sha256", {
        password: "pencil",
        salt,
        iterations: 4096,
        serverNonce: "xyz",
        channelBindingData: data,
      });
      const serverFirst = srv.first(dec(start.initialResponse));
      const clientFinal = dec(await a.next(enc(serverFirst), true));
      const expectedC = Buffer.concat([Buffer.from(`p=${type},,`), data]).toString("base64");
      expect(clientFinal.startsWith(`c=${expectedC},`)).toBe(true);
      const serverFinal = srv.final(clientFinal);
      expect(serverFinal.startsWith("v=")).toBe(true);
      expect(dec(await a.next(enc(serverFinal), true))).toBe("");
    }
  });

  it("fails when the server binds to a different channel (a man in the middle)", async () => {
    const a = scramSha1PlusAuth("user", "pencil", { type: "tls-exporter", data });
    const srv = testServer("sha1", {
      password: "pencil",
      salt: randomBytes(16),
      iterations: 4096,
      serverNonce: "x",
      channelBindingData: Uint8Array.from(randomBytes(32)),
    });
    const start = await a.start(server);
    const final = dec(await a.next(enc(srv.first(dec(start.initialResponse))), true));
    const error = await expectRejection(() => a.next(enc(srv.final(final)), true));
    expect((error as ScramServerError).serverError).toBe("channel-bindings-dont-match");
  });

  it("uses y,, when it could bind but the mechanism is not -PLUS (RFC 5802 §6)", async () => {
    const a = scramSha256Auth("user", "pencil", {
      channelBinding: { type: "tls-exporter", data },
      nonce: () => "n0",
    });
    const start = await a.start(server);
    expect(dec(start.initialResponse)).toBe("y,,n=user,r=n0");
    const final = dec(await a.next(enc("r=n0more,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"), true));
    expect(final.startsWith("c=eSws,r=n0more,p=")).toBe(true);
  });
});

describe("SCRAM property: client and an independent server agree", () => {
  const runs = Number(process.env.FUZZ_RUNS ?? 15);
  // Characters SASLprep leaves alone, so the server can store the raw string.
  const stable = fc.constantFrom(..."abcXYZ019 ,=+/!~äöüßéçøÅ€中文한글ДЖ".split(""));
  const stableString = fc.array(stable, { minLength: 1, maxLength: 12 }).map((a) => a.join(""));

  it("for random user names and passwords (both hashes)", async () => {
    await fc.assert(
      fc.asyncProperty(
        stableString,
        stableString,
        fc.constantFrom<NodeHash>("sha1", "sha256"),
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        async (username, password, hash, salt) => {
          const srv = testServer(hash, {
            password,
            salt: Buffer.from(salt),
            iterations: 4096,
            serverNonce: "srv",
          });
          const auth =
            hash === "sha1"
              ? scramSha1Auth(username, password)
              : scramSha256Auth(username, password);
          await exchange(auth, srv);
          expect(srv.seen.username).toBe(username);
        },
      ),
      { numRuns: runs },
    );
  });

  it("for arbitrary Unicode: either SASLprep refuses it, or the exchange succeeds", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
        async (password) => {
          const auth = scramSha256Auth("user", password);
          let prepared: string;
          try {
            await auth.start(server);
            // The server stores what the client's SASLprep makes of it, prepared the RFC way.
            prepared = password
              .replace(
                /\u00AD|\u034F|\u1806|[\u180B-\u180D]|[\u200B-\u200D]|\u2060|[\uFE00-\uFE0F]|\uFEFF/gu,
                "",
              )
              .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu, " ")
              .normalize("NFKC");
          } catch (error) {
            expect(error).toBeInstanceOf(SaslPrepError);
            return;
          }
          const srv = testServer("sha256", {
            password: prepared,
            salt: Buffer.from("salt"),
            iterations: 4096,
            serverNonce: "s",
          });
          await exchange(scramSha256Auth("user", password), srv);
        },
      ),
      { numRuns: runs },
    );
  });
});
