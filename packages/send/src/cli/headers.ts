// Just enough RFC 5322 to take an envelope from a message's own headers in bulk
// mode: the header block ends at the first empty line (§2.1), folded lines
// continue with white space (§2.2.3), addresses are comma-separated and may be
// "Display Name <addr>" (§3.4). Comments and quoted commas are respected.

/** The header fields of a message (names lower-case), unfolded. */
export function readHeaders(message: Uint8Array): Map<string, string[]> {
  const text = Buffer.from(message).toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const block = end < 0 ? text : text.slice(0, end);
  const headers = new Map<string, string[]>();
  let current: { name: string; value: string } | undefined;
  const flush = () => {
    if (!current) return;
    const list = headers.get(current.name) ?? [];
    list.push(current.value.trim());
    headers.set(current.name, list);
  };
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current) {
      current.value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(":");
    current =
      colon > 0
        ? { name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) }
        : undefined;
  }
  flush();
  return headers;
}

/** The addr-specs of an address list: `a@b, "Doe, J" <j@d>, (c) x@y`. */
export function parseAddressList(value: string): string[] {
  const out: string[] = [];
  let token = "";
  let quoted = false;
  let depth = 0; // comment nesting
  let angle = false;
  const push = () => {
    const t = token.trim();
    token = "";
    if (!t) return;
    const bracket = /<([^>]*)>/.exec(t);
    const addr = bracket ? bracket[1]?.trim() : t.replace(/^.*:/, "").replace(/;$/, "").trim();
    if (addr) out.push(addr);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (depth > 0) {
      if (c === "(") depth++;
      else if (c === ")") depth--;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === "(") depth = 1;
    else if (c === "<") {
      angle = true;
      token += c;
    } else if (c === ">") {
      angle = false;
      token += c;
    } else if ((c === "," || c === ";") && !angle) push();
    else if (c === ":" && !angle)
      token = ""; // group name: "Team: a@b, c@d;"
    else token += c;
  }
  push();
  return out;
}

/** The envelope a message's headers suggest: Sender or From, then To + Cc.
 *  Bcc is ignored: sending the file as it is would show the Bcc line to everyone. */
export function envelopeFromHeaders(message: Uint8Array): {
  from: string | undefined;
  to: string[];
} {
  const h = readHeaders(message);
  const from = parseAddressList((h.get("sender") ?? h.get("from") ?? [])[0] ?? "")[0];
  const to = ["to", "cc"].flatMap((name) => (h.get(name) ?? []).flatMap(parseAddressList));
  return { from, to: [...new Set(to)] };
}
