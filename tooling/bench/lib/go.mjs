// The Go peer (go/main.go, net/smtp only): finds or installs Debian's golang-go, builds the
// program once per run, and runs one measurement. When Go cannot be had, says why, and
// the scenarios skip the peer with that reason printed.
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onClientCore } from "./pinning.mjs";

const directory = fileURLToPath(new URL("../go/", import.meta.url));
const binary = `${directory}bin/smtp-bench`;
let prepared;

function hasGo() {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Resolves with { ok: true } or { ok: false, reason }. Installs golang-go when root. */
export function prepareGo() {
  prepared ??= (async () => {
    if (!hasGo()) {
      if (process.getuid?.() !== 0) {
        return { ok: false, reason: "`go` is not installed and we are not root to apt-get it" };
      }
      console.log("Installing Debian's golang-go for the Go peer (apt-get) ...");
      try {
        const quiet = {
          stdio: "ignore",
          env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        };
        try {
          execFileSync("apt-get", ["install", "-y", "golang-go"], quiet);
        } catch {
          execFileSync("apt-get", ["update"], quiet);
          execFileSync("apt-get", ["install", "-y", "golang-go"], quiet);
        }
      } catch (error) {
        return { ok: false, reason: `apt-get install golang-go failed: ${error.message}` };
      }
    }
    try {
      execFileSync("go", ["build", "-o", binary, "."], {
        cwd: directory,
        stdio: ["ignore", "ignore", "inherit"],
        env: { GOCACHE: "/tmp/smtp-bench-go-cache", GOFLAGS: "-mod=mod", ...process.env },
      });
    } catch (error) {
      return { ok: false, reason: `building go/main.go failed: ${error.message}` };
    }
    const version = execFileSync("go", ["version"], { encoding: "utf8" }).trim();
    return { ok: true, version };
  })();
  return prepared;
}

/** One Go measurement: resolves with its JSON line (seconds, cpuSeconds, maxRssBytes). */
export function runGo(args, { pin = false } = {}) {
  return new Promise((resolve, reject) => {
    const [command, argv] = onClientCore(binary, args, pin);
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      output += text;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`go peer ${args.join(" ")} exited with ${code}`));
      else resolve(JSON.parse(output.trim().split("\n").pop()));
    });
  });
}
