// One test configuration for every package, so all of them resolve workspace
// packages to their TypeScript sources (the "@smtp/source" export condition) and
// write machine-readable results that .ci/run adds up.
import { defineConfig } from "vitest/config";

const conditions = ["@smtp/source", "node", "import", "module", "default"];

export function packageTestConfig(overrides = {}) {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@smtp/source"] } },
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      reporters: ["default", ["json", { outputFile: "test-results.json" }]],
      // Our tests open sockets and servers: a failing test must not leave them
      // running, and a hang must surface as a failure rather than a stuck run.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
