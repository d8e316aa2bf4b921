// Benchmark runner: `node run.mjs [scenario ...]` runs the named scenarios, or all of them.
// A scenario is a module in scenarios/ (not *.child.mjs or other helpers with a dot in the
// base name) that exports `name`, `description` and `async run()`, printing its own table.
// Later scenarios (client S1..S5, sendMail, pool) are added as more files there.
import { readdir } from "node:fs/promises";
import os from "node:os";

const directory = new URL("./scenarios/", import.meta.url);
const files = (await readdir(directory)).filter((file) => /^[a-z0-9-]+\.mjs$/.test(file)).sort();
const scenarios = [];
for (const file of files) scenarios.push(await import(new URL(file, directory)));

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!scenarios.some((scenario) => scenario.name === name)) {
    const known = scenarios.map((scenario) => scenario.name).join(", ");
    console.error(`unknown scenario "${name}"; known: ${known}`);
    process.exit(2);
  }
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(
  `Node ${process.version}, ${os.platform()} ${os.arch()}, ${cpu}, ${os.cpus().length} cores\n`,
);
for (const scenario of scenarios) {
  if (wanted.length > 0 && !wanted.includes(scenario.name)) continue;
  console.log(`## ${scenario.name}: ${scenario.description}\n`);
  await scenario.run();
  console.log("");
}
