// CPU pinning for the scenarios whose target is CPU per message (S1, S2): the sink on
// core 0, each measured client on core 1, with util-linux's `taskset`. Without it the
// scheduler sometimes puts the client and the sink on the same core, and then every
// reply costs a context switch on that core: on this 2-core VM that made single S1 runs
// of the same client vary from 40 to 75 µs/msg and the medians drift. Every peer (Node
// and Go) gets the same core. The throughput and latency scenarios (S3, S4, S5) are not
// pinned: one core for a client changes what they measure (GC and compiler threads,
// Go's GOMAXPROCS, the proxy's timers), and their targets are not CPU per message.
// When there are fewer than 2 cores or no taskset, nothing is pinned and `pinning.note`
// says why (printed at the top of a run).
import { execFileSync } from "node:child_process";
import os from "node:os";

function detect() {
  if (process.env.BENCH_NO_PIN === "1")
    return { enabled: false, note: "not pinned (BENCH_NO_PIN=1)" };
  if (os.cpus().length < 2) return { enabled: false, note: "not pinned: fewer than 2 cores" };
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  } catch {
    return { enabled: false, note: "not pinned: `taskset` (util-linux) not found" };
  }
  return { enabled: true, note: "pinned with taskset: the sink on core 0, each client on core 1" };
}

export const pinning = detect();

/** The command and arguments that run `command args`, on the client core when `pin`. */
export function onClientCore(command, args, pin) {
  return pin && pinning.enabled ? ["taskset", ["-c", "1", command, ...args]] : [command, args];
}

/** Moves every thread of process `pid` (the sink) to core 0. */
export function pinToSinkCore(pid) {
  if (pinning.enabled)
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(pid)], { stdio: "ignore" });
}
