// Benchmark runner: `node run.mjs [scenario ...]` runs the named scenarios, or all of them.
// A scenario is a module in scenarios/ (not *.child.mjs or other helpers with a dot in the
// base name) that exports `name`, `description` and `async run()`, printing its own table.
// A scenario may be named in full ("s1-reuse") or by the part before its first dash ("s1").
// The client scenarios (S1..S5) return { summary, skipped, targets }: the runner measures
// the sink's own ceiling first, then prints every target with PASS/MISS and writes
// results/results.json and results/ratios.svg.
import { mkdirSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import os from "node:os";
import { measureCeiling } from "./lib/ceiling.mjs";
import { ratiosSvg } from "./lib/chart.mjs";
import { writeInputs } from "./lib/inputs.mjs";
import { pinning } from "./lib/pinning.mjs";
import { quick, repetitions } from "./lib/scenario.mjs";
import { startSinkProcess } from "./lib/sink-process.mjs";
import { MiB, printTable } from "./lib/stats.mjs";

const directory = new URL("./scenarios/", import.meta.url);
const files = (await readdir(directory)).filter((file) => /^[a-z0-9-]+\.mjs$/.test(file)).sort();
const scenarios = [];
for (const file of files) scenarios.push(await import(new URL(file, directory)));

const short = (scenario) => scenario.name.split("-")[0];
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!scenarios.some((scenario) => scenario.name === name || short(scenario) === name)) {
    const known = scenarios.map((scenario) => scenario.name).join(", ");
    console.error(`unknown scenario "${name}"; known: ${known}`);
    process.exit(2);
  }
}
const selected = scenarios.filter(
  (scenario) =>
    wanted.length === 0 || wanted.includes(scenario.name) || wanted.includes(short(scenario)),
);

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `Node ${process.version}, ${os.platform()} ${os.arch()}, ${cpu}, ${os.cpus().length} cores`;
console.log(
  `${machine}\nload average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
console.log(`repetitions: ${repetitions}${quick ? " (BENCH_QUICK=1: smaller sizes)" : ""}`);
console.log(`CPU (S1, S2): ${pinning.note}\n`);

let ceiling;
if (selected.some((scenario) => /^s\d/.test(scenario.name))) {
  // The sink's ceiling: pre-encoded transactions and raw body bytes blasted into it.
  const sink = await startSinkProcess();
  ceiling = await measureCeiling(sink, writeInputs(), {
    messages: 3000,
    bytes: 256 * MiB,
    repetitions: 3,
  });
  await sink.close();
  console.log(
    `Sink ceiling (pre-encoded, pipelined, no client logic): ${Math.round(ceiling.messagesPerSecond)} msg/s ` +
      `of 1 KiB on one connection; ${(ceiling.bytesPerSecond / 1e6).toFixed(0)} MB/s of DATA body.\n`,
  );
}

const results = {};
const targets = [];
for (const scenario of selected) {
  console.log(`## ${scenario.name}: ${scenario.description}\n`);
  const outcome = await scenario.run();
  if (outcome?.targets) {
    results[scenario.name] = outcome;
    targets.push(...outcome.targets);
  }
  console.log("");
}

if (targets.length > 0) {
  console.log("## Targets (issues 4, 5, 6): ratios are ours ÷ the peer, medians of the same run\n");
  printTable(
    ["scenario", "target", "measured", "goal", "verdict"],
    targets.map((t) => [
      t.scenario,
      t.text,
      t.value === undefined
        ? "peer skipped"
        : `${t.value.toFixed(2)}${t.unit === "x" ? "x" : ` ${t.unit}`}`,
      `${t.atMost ? "≤" : "≥"} ${t.goal}${t.unit === "x" ? "x" : ` ${t.unit}`}`,
      t.applies === false
        ? "does not apply"
        : t.pass === undefined
          ? "n/a"
          : t.pass
            ? "PASS"
            : "MISS",
    ]),
  );
  const output = new URL("./results/", import.meta.url);
  mkdirSync(output, { recursive: true });
  const date = new Date().toISOString();
  writeFileSync(
    new URL("results.json", output),
    `${JSON.stringify({ date, machine, pinning: `S1, S2: ${pinning.note}`, quick, repetitions, ceiling, targets, results }, null, 2)}\n`,
  );
  writeFileSync(
    new URL("ratios.svg", output),
    ratiosSvg(targets, { title: `smtp bench, ${date.slice(0, 10)}: ${machine}` }),
  );
  console.log("\nWrote results/results.json and results/ratios.svg.");
}
