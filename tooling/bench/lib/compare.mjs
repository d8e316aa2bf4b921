// Runs the peers of one scenario against a sink, interleaved: every repetition runs each
// peer once, in an order rotated by one each time, so that the machine's noise (it is
// shared) falls on all of them alike. Each run is a fresh process (lib/client.child.mjs or
// the Go program); the sink's counters prove that every message arrived.
import os from "node:os";
import { fileURLToPath } from "node:url";
import { runChild } from "./child.mjs";
import { runGo } from "./go.mjs";
import { median } from "./stats.mjs";

const clientChild = fileURLToPath(new URL("./client.child.mjs", import.meta.url));

/** A Node peer: impl of client.child.mjs, with the given mode and params. */
export function nodePeer(impl, mode, params, { pin = false } = {}) {
  return () => runChild(clientChild, [impl, mode, JSON.stringify(params)], { pin });
}

/** The Go peer with the given mode and params. */
export function goPeer(mode, params, { pin = false } = {}) {
  const args = ["-mode", mode, "-addr", `127.0.0.1:${params.port}`];
  args.push("-amount", String(params.amount), "-warmup", String(params.warmup));
  args.push("-warmup-rounds", String(params.warmupRounds ?? 1));
  if (params.smallFile) args.push("-small", params.smallFile);
  if (params.poolFile) args.push("-pool", params.poolFile);
  return () => runGo(args, { pin });
}

/**
 * peers: [{ key, label, run }]; `messagesPerRun` is what the sink must count per run
 * (warm-up included). Resolves with, per key: the runs and their medians (seconds,
 * cpuSeconds), the max of maxRssBytes, the median 1-minute load average, sink turns.
 */
export async function compare(sink, peers, { repetitions, messagesPerRun }) {
  const runs = Object.fromEntries(peers.map((peer) => [peer.key, []]));
  for (let r = 0; r < repetitions; r++) {
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[(i + r) % peers.length];
      const before = await sink.stats();
      const load = os.loadavg()[0];
      const result = await peer.run();
      const after = await sink.stats();
      const arrived = after.messages - before.messages;
      if (arrived !== messagesPerRun) {
        throw new Error(
          `${peer.label}: the sink counted ${arrived} messages, expected ${messagesPerRun}`,
        );
      }
      runs[peer.key].push({
        ...result,
        load,
        turns: after.turns - before.turns,
        sinkCpuSeconds: after.cpuSeconds - before.cpuSeconds,
      });
    }
  }
  const summary = {};
  for (const peer of peers) {
    const list = runs[peer.key];
    summary[peer.key] = {
      label: peer.label,
      runs: list,
      seconds: median(list.map((run) => run.seconds)),
      cpuSeconds: median(list.map((run) => run.cpuSeconds)),
      systemSeconds: median(list.map((run) => run.systemSeconds)),
      maxRssBytes: Math.max(...list.map((run) => run.maxRssBytes)),
      load: median(list.map((run) => run.load)),
      turns: median(list.map((run) => run.turns)),
    };
  }
  return summary;
}
