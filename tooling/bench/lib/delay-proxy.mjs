// A TCP proxy on loopback that holds every chunk for `delayMs` in each direction, so a
// round trip costs 2 × delayMs: a stand-in for a real network link (S5). Order is kept
// because every chunk of a direction waits the same time (Node fires equal timers in the
// order they were set). It also counts "turns": each time the client sends after the
// server spoke, the client had waited for a reply, i.e. a round trip.
import net from "node:net";

export const turns = { count: 0 };

/** Listens on 127.0.0.1 (any port) and forwards each connection to `target`. */
export function startDelayProxy(targetPort, delayMs) {
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(targetPort, "127.0.0.1");
    upstream.setNoDelay(true);
    let serverSpokeLast = true; // the greeting comes first
    const forward = (from, to, isClient) => {
      from.on("data", (chunk) => {
        if (isClient) {
          if (serverSpokeLast) turns.count++;
          serverSpokeLast = false;
        } else {
          serverSpokeLast = true;
        }
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, delayMs);
      });
      from.on("end", () => setTimeout(() => to.end(), delayMs));
      from.on("error", () => to.destroy());
      from.on("close", () => setTimeout(() => to.destroy(), delayMs + 1));
    };
    forward(client, upstream, true);
    forward(upstream, client, false);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
