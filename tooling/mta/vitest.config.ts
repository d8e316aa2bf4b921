import { packageTestConfig } from "@smtp/vitest-config";

// The servers start once for the whole run (test/global-setup.ts) and stop after it;
// a setup that fails fails the run. The files share them, each test using its own
// message token, so they may run in parallel.
export default packageTestConfig({
  include: ["test/**/*.test.ts"],
  globalSetup: ["./test/global-setup.ts"],
});
