// Runs one measurement in a fresh Node process, so that its peak memory (max RSS) belongs
// to that measurement alone and one implementation's heap never slows down another.
import { spawn } from "node:child_process";
import { onClientCore } from "./pinning.mjs";

/**
 * Runs `node script ...args`. The child prints one JSON object as its last stdout line;
 * this resolves with that object plus `maxRssBytes`, the child's peak resident set size
 * as it reported it from process.resourceUsage().maxRSS (which Node gives in KiB).
 */
export function runChild(script, args = [], { nodeOptions = [], pin = false } = {}) {
  return new Promise((resolve, reject) => {
    const [command, argv] = onClientCore(process.execPath, [...nodeOptions, script, ...args], pin);
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      output += text;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`${script} ${args.join(" ")} exited with ${code}`));
        return;
      }
      const lines = output.trim().split("\n");
      resolve(JSON.parse(lines[lines.length - 1]));
    });
  });
}

/** For the child side: report a result with the peak RSS of this process. */
export function reportFromChild(result) {
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes })}\n`);
}
