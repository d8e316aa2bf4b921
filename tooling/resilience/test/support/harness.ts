// The two things nearly every hostile test opens, each closed by the file's guard after
// the test (see guards.ts):
//
//   const defer = guardEachTest();
//   const { server, client } = harness(defer, TIMEOUTS);
//   const s = await server({ hook: neverGreets() });
//   const c = await client(s);

import { type Client, type DialOptions, dial } from "@smtp/client";
import {
  type HostileServer,
  type HostileServerOptions,
  startHostileServer,
} from "../../src/hostile-server.js";

export interface Harness {
  /** A hostile server on 127.0.0.1, closed after the test. */
  server(options: HostileServerOptions): Promise<HostileServer>;
  /** A client dialled to `s` as "client.test" with the file's timeouts (or `override`), closed after the test. */
  client(s: HostileServer, override?: NonNullable<DialOptions["timeouts"]>): Promise<Client>;
}

export function harness(
  defer: (close: () => unknown) => void,
  timeouts: NonNullable<DialOptions["timeouts"]>,
): Harness {
  return {
    async server(options) {
      const s = await startHostileServer(options);
      defer(() => s.close());
      return s;
    },
    async client(s, override) {
      const c = await dial(s.address, { localName: "client.test", timeouts: override ?? timeouts });
      defer(() => c.close());
      return c;
    },
  };
}
