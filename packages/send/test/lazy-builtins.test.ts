// Importing the packages and sending over plain TCP loads neither node:tls nor
// node:crypto: @smtp/client loads node:tls on the first TLS handshake, @smtp/auth loads
// node:crypto for CRAM-MD5 and SCRAM only (about 1.5 MiB of RSS saved; tooling/bench S3).
// This file runs in its own process (vitest isolates test files), and its server is
// plain node:net.

import { describe, expect, it } from "vitest";
import { sendMail } from "../src/index.js";
import { scriptedServer } from "./support/scripted-server.js";

/** The built-in modules among `names` that this process has loaded so far. */
function loaded(...names: string[]): string[] {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList;
  if (!Array.isArray(list)) throw new Error("process.moduleLoadList is not there to check");
  return names.filter((name) => list.includes(`NativeModule ${name}`));
}

describe("node:tls and node:crypto are loaded only when needed", () => {
  it("not by importing @smtp/send (with client, auth and textproto)", () => {
    expect(loaded("tls", "crypto", "net")).toEqual(["net"]);
  });

  it("not by a plain-TCP sendMail either", async () => {
    const server = await scriptedServer({});
    try {
      const result = await sendMail(
        server.addr,
        null,
        "a@example.org",
        ["b@example.org"],
        ".hi\r\n",
        {
          tls: "none",
        },
      );
      expect(result.reply.code).toBe(250);
      expect(server.accepted).toEqual(["..hi\r\n"]);
    } finally {
      await server.close();
    }
    expect(loaded("tls", "crypto")).toEqual([]);
  });
});
