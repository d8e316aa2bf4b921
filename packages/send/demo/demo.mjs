// The whole stack in one run: an embedded SMTP server on loopback (npm smtp-server)
// with STARTTLS and AUTH, a throwaway test CA and localhost certificate made by openssl
// (@smtp/test-certs, the same ones the tests use), and one message sent
// through sendMail() with tls "required" and credentials. Prints the redacted
// transcript and exactly what the server received; exits 0 only if it all checks out.
//
//   pnpm demo            (from the repository root; builds what it needs first)
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { makeTestPki } from "@smtp/test-certs";
import { SMTPServer } from "smtp-server";
import { sendMail } from "../dist/index.js";

const USER = "demo";
// A fresh random password: if it ever appeared in the output, the check below fails.
const PASSWORD = randomBytes(12).toString("base64url");
const FROM = "alice@example.org";
const TO = ["bob@example.org", "carol@example.org"];

const say = (text = "") => process.stdout.write(`${text}\n`);
const heading = (text) => say(`\n== ${text} ${"=".repeat(Math.max(0, 66 - text.length))}`);

function startServer(tls) {
  const received = [];
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    key: tls.key,
    cert: tls.cert,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on("data", (c) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          mailFrom: session.envelope.mailFrom?.address ?? "",
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          secure: session.secure,
          data: Buffer.concat(chunks),
        });
        callback(null, "Message accepted by the demo server");
      });
    },
  });
  server.on("error", () => {});
  return new Promise((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, received, port: server.server.address().port }),
    );
  });
}

async function run() {
  let server;
  try {
    heading("1. a throwaway test CA and a certificate for localhost (openssl)");
    const pki = await makeTestPki();
    const tls = pki.server;
    const cert = new X509Certificate(tls.cert);
    say(`${cert.subject}, issued by ${cert.issuer}, for ${cert.subjectAltName}`);
    say("(made in a temporary directory that is already deleted: the PEMs live in memory)");

    heading("2. an embedded SMTP server on loopback (smtp-server: STARTTLS, AUTH PLAIN LOGIN)");
    const started = await startServer(tls);
    server = started.server;
    const addr = `127.0.0.1:${started.port}`;
    say(`listening on ${addr}; user "${USER}" with a random password`);

    heading('3. sendMail() with tls "required", the demo CA, and credentials');
    const message =
      `From: Alice <${FROM}>\r\n` +
      `To: Bob <${TO[0]}>, Carol <${TO[1]}>\r\n` +
      "Subject: Hello from @smtp/send\r\n" +
      `Date: ${new Date().toUTCString()}\r\n` +
      "MIME-Version: 1.0\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      "\r\n" +
      "Hi Bob, hi Carol,\r\n" +
      ".this line starts with a dot (it travels as '..' and arrives as '.')\r\n" +
      "Sent over STARTTLS with AUTH.\r\n";
    const transcript = [];
    const result = await sendMail(addr, { username: USER, password: PASSWORD }, FROM, TO, message, {
      tls: "required",
      tlsOptions: { ca: pki.ca },
      awaitQuit: true, // so the transcript below ends with QUIT and 221
      timeouts: { total: 30_000 },
      onLine: (direction, line) =>
        transcript.push(`${direction === "client" ? "C:" : "S:"} ${line}`),
    });

    heading("4. the transcript (AUTH payloads redacted by @smtp/client)");
    for (const line of transcript) say(line);

    heading("5. what the server received");
    const got = started.received[0];
    if (!got) throw new Error("the server did not receive the message");
    say(`MAIL FROM: <${got.mailFrom}>`);
    for (const r of got.rcptTo) say(`RCPT TO:   <${r}>`);
    say(`TLS: ${got.secure}   authenticated user: ${got.user}`);
    say(`${got.data.length} bytes:`);
    say("-".repeat(70));
    process.stdout.write(got.data.toString("utf8"));
    say("-".repeat(70));

    heading("6. checks");
    const sha = (b) => createHash("sha256").update(b).digest("hex");
    const text = transcript.join("\n");
    const checks = [
      ["final reply is 250", result.reply.code === 250],
      ["every recipient accepted", result.accepted.length === TO.length],
      ["the session was TLS (STARTTLS) when the message went", got.secure === true],
      ["the server authenticated the demo user", got.user === USER],
      ["envelope as sent", got.mailFrom === FROM && got.rcptTo.join() === TO.join()],
      ["message bytes identical (sha256)", sha(got.data) === sha(Buffer.from(message))],
      [
        "STARTTLS before AUTH in the transcript",
        text.indexOf("C: STARTTLS") >= 0 && text.indexOf("C: STARTTLS") < text.indexOf("C: AUTH"),
      ],
      ["password not in the transcript", !text.includes(PASSWORD)],
      [
        "no base64 of the credentials in the transcript",
        !text.includes(Buffer.from(`\0${USER}\0${PASSWORD}`).toString("base64")) &&
          !text.includes(Buffer.from(PASSWORD).toString("base64")),
      ],
    ];
    let ok = true;
    for (const [name, passed] of checks) {
      say(`${passed ? "ok  " : "FAIL"}  ${name}`);
      ok &&= passed;
    }
    if (!ok) throw new Error("a check failed (see above)");
    say(`\ndemo passed: ${result.reply.code} ${result.reply.message}`);
    return 0;
  } finally {
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

try {
  process.exitCode = await run();
} catch (error) {
  const code = error && typeof error === "object" && "code" in error ? ` [${error.code}]` : "";
  process.stderr.write(
    `\ndemo failed${code}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
