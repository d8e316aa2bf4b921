import { connect, createServer, type Server, type Socket } from "node:net";

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosProxy {
  addr: string;
  /** Connections the proxy cut on purpose. */
  cuts: number;
  connections: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback that forwards to `target` and cuts each connection
 * after a random number of bytes (both directions counted, drawn from a seeded
 * PRNG in [minBytes, maxBytes]): the cut can fall anywhere — inside a command,
 * inside the body, between the final dot and its reply. The bytes up to the cut
 * point are delivered, the rest is dropped, then both sides are destroyed.
 */
export async function chaosProxy(
  target: { host: string; port: number },
  options: { seed: number; minBytes: number; maxBytes: number },
): Promise<ChaosProxy> {
  const random = seededRandom(options.seed);
  const sockets = new Set<Socket>();
  const state = { cuts: 0, connections: 0 };
  const server: Server = createServer((client) => {
    state.connections++;
    let budget = options.minBytes + Math.floor(random() * (options.maxBytes - options.minBytes));
    const upstream = connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    let cut = false;
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    const pump = (from: Socket, to: Socket) => {
      from.on("data", (chunk: Buffer) => {
        if (cut) return;
        if (chunk.length < budget) {
          budget -= chunk.length;
          to.write(chunk);
          return;
        }
        cut = true;
        state.cuts++;
        const part = chunk.subarray(0, budget);
        budget = 0;
        if (part.length > 0) to.write(part, destroyBoth);
        else destroyBoth();
      });
      from.on("end", () => to.end());
      from.on("error", destroyBoth);
      from.on("close", () => {
        sockets.delete(from);
        if (!cut) to.destroy();
      });
    };
    pump(client, upstream);
    pump(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    addr: `127.0.0.1:${port}`,
    get cuts() {
      return state.cuts;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
