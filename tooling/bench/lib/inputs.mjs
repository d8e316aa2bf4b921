// The bytes every client sends, written once to files so that the Node clients and the Go
// program send exactly the same messages.
// - small.eml: a 1 KiB message (headers + wrapped text, CRLF lines, no dot-led line).
// - pool.bin: dot-encode's 4 MiB pool of CRLF lines, a quarter of them dot-led; a big
//   body is this pool replayed in 64 KiB chunks (scenarios/dot-encode.body.mjs).
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { makeChunks } from "../scenarios/dot-encode.body.mjs";

export const directory = fileURLToPath(new URL("../results/tmp/", import.meta.url));
export const smallFile = `${directory}small.eml`;
export const poolFile = `${directory}pool.bin`;
export const FROM = "sender@bench.example";
export const TO = "rcpt@bench.example";

/** Exactly `size` bytes of a plausible message. */
export function smallMessage(size = 1024) {
  const header =
    `From: Bench <${FROM}>\r\nTo: <${TO}>\r\nSubject: benchmark message\r\n` +
    "Message-ID: <bench.1@bench.example>\r\nDate: Sat, 28 Nov 2026 12:00:00 +0000\r\n" +
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  const words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ";
  let text = header;
  while (size - text.length > 74) text += `${words.repeat(2).slice(0, 70)}\r\n`;
  const room = size - text.length;
  if (room < 3) throw new Error(`no room for the last line of a ${size}-byte message`);
  text += `${"x".repeat(room - 2)}\r\n`;
  return Buffer.from(text, "latin1");
}

/** Writes the input files; returns their paths. */
export function writeInputs() {
  mkdirSync(directory, { recursive: true });
  writeFileSync(smallFile, smallMessage());
  writeFileSync(poolFile, Buffer.concat(makeChunks()));
  return { smallFile, poolFile };
}
