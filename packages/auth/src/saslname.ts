// saslname escaping shared by SCRAM (RFC 5802 §5.1 "n=") and GS2 headers
// (RFC 5801 §4 "a="): "," becomes "=2C" and "=" becomes "=3D", so the value
// cannot end its attribute early.
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, "=3D").replace(/,/g, "=2C");
}
