// The encoders under test: our DotEncoder as the textproto default (bare CR passed on),
// our DotEncoder with { bareCr: "crlf" } (what @smtp/client uses for DATA: RFC 5321
// §2.3.8, it also looks for every CR), and nodemailer's DataStream; each driven two ways:
// - "codec": the encoding function called directly on each chunk (no stream machinery);
//   for nodemailer that is DataStream's own _transform, with push() counting the output.
// - "stream": a Node stream pipeline, source -> encoder Transform -> counting sink, as an
//   application would use it. Our DotEncoder sits in a minimal Transform for this.
import { createRequire } from "node:module";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DotEncoder } from "@smtp/textproto";
import { bodyChunks } from "./dot-encode.body.mjs";

const require = createRequire(import.meta.url);
const DataStream = require("nodemailer/lib/smtp-connection/data-stream");

function oursCodec(chunks, bytes, onOutput, options) {
  const encoder = new DotEncoder(options);
  for (const chunk of bodyChunks(chunks, bytes)) onOutput(encoder.encode(chunk));
  onOutput(encoder.end());
}

function nodemailerCodec(chunks, bytes, onOutput) {
  const stream = new DataStream();
  stream.push = (output) => {
    onOutput(output);
    return true;
  };
  const done = (error) => {
    if (error) throw error;
  };
  for (const chunk of bodyChunks(chunks, bytes)) stream._transform(chunk, "buffer", done);
  stream._flush(done);
}

function oursTransform(options) {
  const encoder = new DotEncoder(options);
  return new Transform({
    transform(chunk, _encoding, callback) {
      callback(null, encoder.encode(chunk));
    },
    flush(callback) {
      callback(null, encoder.end());
    },
  });
}

async function throughStream(transform, chunks, bytes, onOutput) {
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      onOutput(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(bodyChunks(chunks, bytes), { objectMode: false }), transform, sink);
}

const CRLF = { bareCr: "crlf" };

/** name -> mode -> async (chunks, bytes, onOutput) => void */
export const encoders = {
  ours: {
    codec: async (chunks, bytes, onOutput) => oursCodec(chunks, bytes, onOutput),
    stream: (chunks, bytes, onOutput) => throughStream(oursTransform(), chunks, bytes, onOutput),
  },
  "ours-crlf": {
    codec: async (chunks, bytes, onOutput) => oursCodec(chunks, bytes, onOutput, CRLF),
    stream: (chunks, bytes, onOutput) =>
      throughStream(oursTransform(CRLF), chunks, bytes, onOutput),
  },
  nodemailer: {
    codec: async (chunks, bytes, onOutput) => nodemailerCodec(chunks, bytes, onOutput),
    stream: (chunks, bytes, onOutput) => throughStream(new DataStream(), chunks, bytes, onOutput),
  },
};
