// Preloaded into a client child by s3-memory.mjs --smaps (node --import): at exit, prints
// to stderr where the process's resident memory is, from /proc/self/smaps (Linux only):
// the node binary's mapped pages, malloc's heap, other anonymous memory (the V8 heap is
// there), and the V8 heap spaces.
import { readFileSync } from "node:fs";
import v8 from "node:v8";

const MiB = 1024 * 1024;

process.on("exit", () => {
  const rssKiB = new Map();
  let name = "";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (header) {
      const path = header[1] ?? "";
      name = path === "" ? "[anon]" : path.startsWith("/") ? path.split("/").pop() : path;
      continue;
    }
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss) rssKiB.set(name, (rssKiB.get(name) ?? 0) + Number(rss[1]));
  }
  const parts = [...rssKiB].filter(([, kib]) => kib >= 256).sort((a, b) => b[1] - a[1]);
  const lines = parts.map(([part, kib]) => `  ${part}: ${(kib / 1024).toFixed(1)} MiB`);
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.physical_space_size === 0) continue;
    lines.push(`  V8 ${space.space_name}: ${(space.physical_space_size / MiB).toFixed(1)} MiB`);
  }
  const peak = process.resourceUsage().maxRSS / 1024;
  process.stderr.write(
    `resident memory at exit (peak ${peak.toFixed(1)} MiB):\n${lines.join("\n")}\n`,
  );
});
