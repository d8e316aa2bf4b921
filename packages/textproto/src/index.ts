// @smtp/textproto: a generic line protocol over a byte stream, after Go's
// net/textproto. The parts: Reader (lines, replies, dot blocks, MIME headers),
// Writer (batched lines, dot-stuffed bodies), the dot codec, Pipeline (replies
// in request order) and Conn, which only bundles them over one transport.

export { Conn, type ConnOptions } from "./conn.js";
export {
  type BareCrMode,
  type DotDecodeResult,
  DotDecoder,
  DotEncoder,
  type DotEncoderOptions,
} from "./dot.js";
export {
  ConnectionClosedError,
  InvalidLineError,
  LineTooLongError,
  ProtocolError,
  ReplyError,
  ReplyTooLongError,
  TextprotoError,
} from "./errors.js";
export { canonicalMimeHeaderKey } from "./mime-header.js";
export { Pipeline } from "./pipeline.js";
export { type ByteSource, Reader, type ReaderOptions, type Response } from "./reader.js";
export { type DotWriter, type DotWriterOptions, Writer, type WriterOptions } from "./writer.js";
