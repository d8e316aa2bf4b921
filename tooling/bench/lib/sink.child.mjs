// The sink's own process (forked by lib/sink-process.mjs), so that its CPU time never
// counts against the client under test. `node sink.child.mjs [delayMs]`: with a delay,
// a delaying proxy (lib/delay-proxy.mjs) is started in front of the sink as well.
// Speaks to the parent over IPC: "ready" with the ports, then answers "stats" requests.
import { startDelayProxy, turns } from "./delay-proxy.mjs";
import { counters, startSink } from "./sink.mjs";

const delayMs = Number(process.argv[2] ?? 0);
const sink = await startSink();
const port = sink.address().port;
const proxy = delayMs > 0 ? await startDelayProxy(port, delayMs) : undefined;

process.on("message", (message) => {
  if (message === "stats") {
    const cpu = process.cpuUsage();
    process.send({ ...counters, turns: turns.count, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  } else if (message === "close") {
    sink.close();
    proxy?.close();
    process.disconnect();
    process.exit(0);
  }
});
process.send({ ready: true, port, proxyPort: proxy?.address().port });
