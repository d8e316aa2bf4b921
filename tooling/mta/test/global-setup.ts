// Starts the real MTAs once for the whole run and stops them after it (setup.sh).
// There is no skip: when a server cannot be installed or started, setup throws with
// setup.sh's explanation and the run fails (issue 7: "never a silent skip").
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import type { MtaEnv } from "./mta-env.js";

const script = fileURLToPath(new URL("../setup.sh", import.meta.url));

function run(command: "start" | "stop", dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [script, command],
      // A first start on a fresh machine may apt-get the servers: give it time.
      {
        // The owner pid lets setup.sh stop the servers should this process die
        // before its teardown runs (turbo stops every task when one fails).
        env: { ...process.env, SMTP_MTA_DIR: dir, SMTP_MTA_OWNER_PID: String(process.pid) },
        timeout: 15 * 60_000,
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`tooling/mta/setup.sh ${command} failed: ${error.message}\n${stderr}`));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = process.env.SMTP_MTA_DIR ?? join(tmpdir(), `smtp-mta-${process.pid}`);
  const startedAt = performance.now();
  await run("start", dir);
  const env = JSON.parse(await readFile(join(dir, "env.json"), "utf8")) as MtaEnv;
  console.log(
    `real MTAs up in ${Math.round(performance.now() - startedAt)} ms: postfix 127.0.0.1:${env.smtpPort} (STARTTLS) and :${env.smtpsPort} (TLS), aiosmtpd LMTP :${env.lmtpPort}, in ${dir}`,
  );
  project.provide("mta", env);
  return async () => {
    await run("stop", dir);
  };
}
