// "421 Service not available, closing transmission channel" (RFC 5321 §3.8, §4.2.3) at
// every step of a sendMail session: greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA and
// after the final dot, with and without PIPELINING. The server says 421 and closes, as
// RFC 5321 §3.8 has it. Each time: an SmtpReplyError with replyCode 421, `temporary`
// (so a pool may retry it), the phase of the step, no unhandled rejection, nothing left
// open, and no credential on the wire before TLS was up.

import { SmtpReplyError } from "@smtp/client";
import { sendMail } from "@smtp/send";
import { makeTestPki } from "@smtp/test-certs";
import { describe, expect, it } from "vitest";
import { replyAt } from "../src/behaviours.js";
import type { Step } from "../src/hostile-server.js";
import { guardEachTest, rejection } from "./support/guards.js";
import { harness } from "./support/harness.js";
import { expectNoCredential, PASSWORD, USER } from "./support/secrets.js";

const defer = guardEachTest();
// Generous: no test here is about a deadline, and a loaded CI machine must not make one.
const TIMEOUTS = { connect: 10_000, greeting: 10_000, command: 10_000, finalReply: 10_000 };
const { server } = harness(defer, TIMEOUTS);

const STEPS: [Step, string][] = [
  ["connect", "greeting"],
  ["EHLO", "hello"],
  ["STARTTLS", "tls"],
  ["AUTH", "auth"],
  ["MAIL", "command"],
  ["RCPT", "command"],
  ["DATA", "data"],
  ["dot", "final-reply"],
];
const BEFORE_TLS = new Set<Step>(["connect", "EHLO", "STARTTLS"]);

for (const pipelining of [false, true]) {
  describe(`421 at every step, ${pipelining ? "with" : "without"} PIPELINING`, () => {
    for (const [step, phase] of STEPS) {
      it(`421 at ${step}: SmtpReplyError 421, temporary, phase ${phase}`, async () => {
        const { ca, server: localhost } = await makeTestPki();
        const s = await server({
          extensions: [
            "STARTTLS",
            "AUTH PLAIN LOGIN",
            "8BITMIME",
            ...(pipelining ? ["PIPELINING"] : []),
          ],
          tls: localhost,
          hook: replyAt(step, "421 4.3.2 service shutting down, closing channel"),
        });
        const error = await rejection(
          sendMail(
            s.address,
            { username: USER, password: PASSWORD },
            "a@example.org",
            ["b@example.org"],
            "Subject: 421\r\n\r\nbody\r\n",
            { tls: "required", tlsOptions: { ca }, localName: "client.test", timeouts: TIMEOUTS },
          ),
        );
        expect(error).toBeInstanceOf(SmtpReplyError);
        // A refused RCPT is reported per recipient: RecipientsRefusedError, an SmtpReplyError.
        const code = step === "RCPT" ? "ERR_RECIPIENTS_REFUSED" : "ERR_SMTP_REPLY";
        expect(error).toMatchObject({ code, replyCode: 421, temporary: true, phase });
        expect(s.messages).toEqual([]);
        if (BEFORE_TLS.has(step)) expectNoCredential(s.receivedAll());
      });
    }
  });
}
