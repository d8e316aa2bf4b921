// Loopback servers for the real-socket tests (certificates: @smtp/test-certs).

import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

/** Listens on 127.0.0.1, an ephemeral port; `close()` also destroys open sockets. */
export async function listen(
  onConnection: (socket: Socket) => void,
): Promise<{ port: number; close: () => Promise<void>; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Calls `onLine` for each CRLF-ended line arriving on `stream`. Returns a
 * function that stops listening (e.g. before node:tls takes the socket over).
 */
export function onLines(
  stream: NodeJS.ReadableStream & { off(event: "data", fn: (b: Buffer) => void): unknown },
  onLine: (line: string) => void,
): () => void {
  let pending = "";
  const onData = (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    for (;;) {
      const end = pending.indexOf("\r\n");
      if (end < 0) break;
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      onLine(line);
    }
  };
  stream.on("data", onData);
  return () => stream.off("data", onData);
}
