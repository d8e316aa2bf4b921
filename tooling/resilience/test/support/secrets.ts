// The forms a password can take on the wire: as it is, base64 alone (LOGIN's answer),
// and inside PLAIN's base64 initial response (RFC 4616: authzid NUL authcid NUL passwd).
import { expect } from "vitest";

export const USER = "alice";
export const PASSWORD = "s3cret pässword";

export function secretForms(user = USER, password = PASSWORD): string[] {
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  return [password, b64(password), b64(`\0${user}\0${password}`)];
}

/** None of the password's forms, and no AUTH command, is in `wire`. */
export function expectNoCredential(wire: Buffer, options: { authCommand?: boolean } = {}): void {
  const text = wire.toString("latin1");
  const utf8 = wire.toString("utf8");
  for (const form of secretForms()) {
    expect(utf8.includes(form), `the wire holds ${JSON.stringify(form)}`).toBe(false);
    expect(text.includes(form), `the wire holds ${JSON.stringify(form)}`).toBe(false);
  }
  if (options.authCommand !== true) expect(text).not.toMatch(/^AUTH /im);
}
