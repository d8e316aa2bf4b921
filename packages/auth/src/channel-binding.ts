// Channel-binding data for the SCRAM -PLUS mechanisms (RFC 5056, RFC 5929,
// RFC 9266). The client obtains it from its TLS socket:
//   tls-exporter:          socket.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0))
//                          (TLS 1.3; RFC 9266 §2)
//   tls-server-end-point:  hash of the server certificate (RFC 5929 §4.1)

export type ChannelBindingType = "tls-exporter" | "tls-server-end-point";

export interface ChannelBinding {
  type: ChannelBindingType;
  data: Uint8Array;
}
