// The hostile behaviours of issue 7, as hooks for the hostile server (hostile-server.ts).
// Each is one small function; `compose` runs several, the first that handles a step wins.

// The seeded PRNG of @smtp/send's chaos proxy (mulberry32), so a failing run can be replayed.
import { seededRandom } from "../../../packages/send/test/support/chaos-proxy.js";
import type { Hook, HostileSession, Step } from "./hostile-server.js";

export function compose(...hooks: Hook[]): Hook {
  return (step, line, session) => hooks.some((hook) => hook(step, line, session) === true);
}

/** Accepts the connection and never writes a byte. */
export function neverGreets(): Hook {
  return (step) => step === "connect";
}

/** At `at`, writes the first line of a multi-line reply ("250-first") and goes silent. */
export function stallsMidReply(at: Step = "EHLO", first = "250-first"): Hook {
  return (step, _line, session) => {
    if (step !== at) return false;
    session.write(`${first}\r\n`);
    return true;
  };
}

/** At `at`, writes `bytes` bytes with no CRLF and then, once written, `after` (if any). */
export function hugeLine(bytes = 1024 * 1024, at: Step = "connect", after?: string): Hook {
  return (step, _line, session) => {
    if (step !== at) return false;
    session.socket.write(Buffer.alloc(bytes, 0x61), () => {
      if (after !== undefined) session.write(after);
    });
    return true;
  };
}

/** At `at`, writes `bytes` seeded random bytes and then stays silent. */
export function randomGarbage(seed: number, bytes = 512, at: Step = "connect"): Hook {
  const random = seededRandom(seed);
  return (step, _line, session) => {
    if (step !== at) return false;
    const garbage = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i++) garbage[i] = Math.floor(random() * 256);
    session.write(garbage);
    return true;
  };
}

/** At `at`, writes `text` (which should not be a reply) and stays silent. */
export function writes(at: Step, text: string): Hook {
  return (step, _line, session) => {
    if (step !== at) return false;
    session.write(text);
    return true;
  };
}

/**
 * At `at` (its `nth` occurrence, 1-based), answers `reply` instead, then closes the
 * connection as a server that says 421 does (RFC 5321 §3.8), unless `close` is false.
 */
export function replyAt(
  at: Step,
  reply: string,
  options: { close?: boolean; nth?: number } = {},
): Hook {
  let seen = 0;
  return (step, _line, session) => {
    if (step !== at) return false;
    seen++;
    if (seen !== (options.nth ?? 1)) return false;
    if (at === "dot") session.resetTransaction();
    session.reply(reply);
    if (options.close !== false) session.close();
    return true;
  };
}

/** Drops the connection once `afterBytes` body bytes arrived inside DATA. */
export function closesDuringData(afterBytes = 1): Hook {
  return (step, _line, session) => {
    if (step !== "body" || session.bodyBytes < afterBytes) return false;
    session.destroy();
    return true;
  };
}

/** Answers STARTTLS with the 220 and `injected` in the same write, then upgrades (RFC 3207 §6). */
export function injectsAfterStartTls(injected = "250-injected\r\n250 PIPELINING\r\n"): Hook {
  return (step, _line, session) => {
    if (step !== "STARTTLS") return false;
    session.write(`220 2.0.0 ready to start TLS\r\n${injected}`);
    session.upgrade();
    return true;
  };
}

/**
 * Says 220 to STARTTLS, then fails the handshake: "garbage" answers the ClientHello
 * with bytes that are not a ServerHello, "close" drops the connection when it arrives.
 * Either way every byte the client sends afterwards is only recorded.
 */
export function failsHandshake(how: "garbage" | "close"): Hook {
  return (step, _line, session) => {
    if (step !== "STARTTLS") return false;
    session.reply("220 2.0.0 ready to start TLS");
    session.ignoreInput();
    session.socket.once("data", () => {
      if (how === "close") session.destroy();
      else session.write("HTTP/1.1 400 this is no ServerHello\r\n\r\n");
    });
    return true;
  };
}

/** Answers the first AUTH with a 334 whose text is not base64. */
export function invalidBase64Challenge(text = "this is *not* base64!"): Hook {
  return (step, _line, session) => {
    if (step !== "AUTH") return false;
    session.reply(`334 ${text}`);
    session.expectAuthLine((line) =>
      session.reply(line === "*" ? "501 5.7.0 AUTH cancelled" : "535 5.7.8 what was that"),
    );
    return true;
  };
}

/** For LOGIN: a valid first challenge ("Username:"), then an invalid one for the password. */
export function invalidBase64SecondChallenge(text = "!!not base64!!"): Hook {
  return (step, _line, session) => {
    if (step !== "AUTH") return false;
    session.reply("334 VXNlcm5hbWU6");
    session.expectAuthLine(() => {
      session.reply(`334 ${text}`);
      session.expectAuthLine((line) =>
        session.reply(line === "*" ? "501 5.7.0 AUTH cancelled" : "535 5.7.8 what was that"),
      );
    });
    return true;
  };
}

/** Refuses every AUTH command with `reply` (default 535, credentials invalid). */
export function refusesEveryMechanism(
  reply = "535 5.7.8 authentication credentials invalid",
): Hook {
  return (step, _line, session) => {
    if (step !== "AUTH") return false;
    session.reply(reply);
    return true;
  };
}

/**
 * Answers a pipelined MAIL/RCPT/DATA batch out of step. The replies of MAIL and RCPT
 * are held and written when DATA arrives:
 *   "extra"    MAIL's 250 twice, then RCPT's and DATA's (one reply too many)
 *   "missing"  MAIL's 250 and DATA's 354 only (RCPT's reply never comes)
 *   "reorder"  DATA's 354 first, then RCPT's 250, then MAIL's 250
 * The server stays in command mode: whatever the client sends next is a command.
 * `session.state.set("behave", true)` turns it back into a correct server.
 */
export function outOfStep(how: "extra" | "missing" | "reorder"): Hook {
  return (step, _line, session) => {
    if (session.state.get("behave") === true) return false;
    const held = (session.state.get("held") as string[] | undefined) ?? [];
    session.state.set("held", held);
    if (step === "MAIL") {
      held.push("250 2.1.0 sender ok");
      return true;
    }
    if (step === "RCPT") {
      held.push("250 2.1.5 recipient ok");
      return true;
    }
    if (step !== "DATA") return false;
    const [mail = "", rcpt = ""] = held.splice(0);
    const data = "354 go ahead";
    const replies =
      how === "extra"
        ? [mail, mail, rcpt, data]
        : how === "missing"
          ? [mail, data]
          : [data, rcpt, mail];
    session.write(`${replies.join("\r\n")}\r\n`);
    return true;
  };
}

export type FaultKind = "before-greeting" | "mid-command" | "mid-body" | "after-dot";

export interface RandomDrops {
  hook: Hook;
  /** How many connections were dropped, by where. */
  readonly counts: Readonly<Record<FaultKind, number>>;
  /** Messages stored right before an "after-dot" drop (their 250 never went out). */
  readonly storedThenDropped: number;
}

/**
 * Drops connections at random moments (seeded, so a failing run can be replayed):
 * before the greeting, in the middle of a command (half a reply, then gone), in the
 * middle of a DATA body, and after the final dot before the reply (the message is
 * stored, its 250 never sent: the client cannot know). `rate` is the chance per
 * opportunity: per connection, per command, per body chunk, per final dot.
 */
export function dropsAtRandom(seed: number, rate: Record<FaultKind, number>): RandomDrops {
  const random = seededRandom(seed);
  const counts: Record<FaultKind, number> = {
    "before-greeting": 0,
    "mid-command": 0,
    "mid-body": 0,
    "after-dot": 0,
  };
  let storedThenDropped = 0;
  const drop = (kind: FaultKind, session: HostileSession) => {
    counts[kind]++;
    session.destroy();
    return true;
  };
  const hook: Hook = (step, _line, session) => {
    switch (step) {
      case "connect":
        return random() < rate["before-greeting"] ? drop("before-greeting", session) : false;
      case "body":
        return random() < rate["mid-body"] ? drop("mid-body", session) : false;
      case "dot":
        if (random() >= rate["after-dot"]) return false;
        session.store();
        storedThenDropped++;
        return drop("after-dot", session);
      case "QUIT":
        return false;
      default:
        if (random() >= rate["mid-command"]) return false;
        // Half a reply: the client has started reading when the connection goes.
        session.write("25");
        return drop("mid-command", session);
    }
  };
  return {
    hook,
    counts,
    get storedThenDropped() {
      return storedThenDropped;
    },
  };
}
