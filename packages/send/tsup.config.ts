import { defineConfig } from "tsup";

export default defineConfig({
  // cli.ts starts with a node shebang; esbuild keeps it and tsup marks the file executable.
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
});
