// Parent side of the sink: forks lib/sink.child.mjs and reads its counters, so a scenario
// can check that every message it timed really arrived.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pinToSinkCore } from "./pinning.mjs";

const script = fileURLToPath(new URL("./sink.child.mjs", import.meta.url));

/** Starts a sink process; `delayMs` > 0 adds the delaying proxy (proxyPort). */
export function startSinkProcess({ delayMs = 0, pin = false } = {}) {
  const child = fork(script, [String(delayMs)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let waiting = [];
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.on("message", (message) => {
      if (message.ready) {
        if (pin) pinToSinkCore(child.pid);
        resolve({
          port: message.port,
          proxyPort: message.proxyPort,
          stats: () =>
            new Promise((done) => {
              waiting.push(done);
              child.send("stats");
            }),
          close: () =>
            new Promise((done) => {
              child.once("exit", done);
              child.send("close");
            }),
        });
        return;
      }
      const [first, ...rest] = waiting;
      waiting = rest;
      first?.(message);
    });
  });
}
