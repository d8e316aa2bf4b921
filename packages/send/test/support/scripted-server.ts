import { createServer, type Server, type Socket } from "node:net";

export type DotAction = "accept" | "close" | { reply: string };
export type CommandAction = string | "close" | undefined;

export interface ScriptedServer {
  addr: string;
  /** Every command line received, over all connections. */
  lines: string[];
  connections: number;
  /** Bodies the server accepted with 250 after the final dot. */
  accepted: string[];
  close(): Promise<void>;
}

/**
 * A minimal SMTP server for failure scripts the real one cannot do on cue:
 * `onCommand` may answer a command differently (or close the connection);
 * `onDot(n, body)` decides what happens after the n-th final dot (1-based):
 * accept, a given reply, or closing the connection without a reply — the
 * "outcome unknown" case. No PIPELINING, no extensions.
 */
export async function scriptedServer(script: {
  onCommand?: (line: string, connection: number) => CommandAction;
  onDot?: (n: number, body: string) => DotAction;
}): Promise<ScriptedServer> {
  const lines: string[] = [];
  const accepted: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let dots = 0;
  const srv: Server = createServer((socket) => {
    const id = ++connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.write("220 scripted ready\r\n");
    let buffer = "";
    let inData = false;
    let data = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          data += buffer;
          buffer = "";
          let bodyEnd: number;
          let rest: number;
          if (data.startsWith(".\r\n")) {
            bodyEnd = 0;
            rest = 3;
          } else {
            const e = data.indexOf("\r\n.\r\n");
            if (e < 0) return;
            bodyEnd = e + 2;
            rest = e + 5;
          }
          const body = data.slice(0, bodyEnd);
          buffer = data.slice(rest);
          data = "";
          inData = false;
          const action = script.onDot?.(++dots, body) ?? "accept";
          if (action === "close") {
            socket.destroy();
            return;
          }
          if (action === "accept") {
            accepted.push(body);
            socket.write("250 2.0.0 queued\r\n");
          } else socket.write(`${action.reply}\r\n`);
          continue;
        }
        const i = buffer.indexOf("\r\n");
        if (i < 0) return;
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        lines.push(line);
        const custom = script.onCommand?.(line, id);
        if (custom === "close") {
          socket.destroy();
          return;
        }
        if (custom !== undefined) {
          socket.write(`${custom}\r\n`);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
          continue;
        }
        if (verb === "QUIT") {
          socket.end("221 bye\r\n");
          return;
        }
        socket.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as { port: number };
  return {
    addr: `127.0.0.1:${port}`,
    lines,
    accepted,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
