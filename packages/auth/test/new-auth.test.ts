// The contributor path: `pnpm new:auth <name>` scaffolds a mechanism package
// that depends only on @smtp/auth. These tests run the generator for real
// (into a temporary directory), check that the checked-in example package
// tooling/auth-example is exactly its output, type-check that package against
// @smtp/auth, and drive its mechanism through the Auth interface.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Auth } from "../src/auth.js";
import { AuthError, UnencryptedConnectionError, UnexpectedChallengeError } from "../src/errors.js";
import type { ServerInfo } from "../src/server-info.js";

const run = promisify(execFile);
const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const generator = join(repo, "tooling/new-auth/new-auth.mjs");
const example = join(repo, "tooling/auth-example");

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return (
    entries
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      // What a build or a test run leaves behind (all git-ignored) is not the generator's output.
      .filter((p) => !/^(node_modules|dist|\.turbo)(\/|$)/.test(p) && p !== "test-results.json")
      .sort()
  );
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "new-auth-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("pnpm new:auth <name>", () => {
  it("scaffolds packages/auth-<name> with the same package shape as @smtp/auth", async () => {
    const { stdout } = await run(process.execPath, [generator, "demo-mech", "--root", tmp]);
    expect(stdout).toContain("@smtp/auth-demo-mech");
    const dir = join(tmp, "packages/auth-demo-mech");
    expect(await listFiles(dir)).toEqual([
      "README.md",
      "package.json",
      "src/index.test.ts",
      "src/index.ts",
      "tsconfig.json",
      "tsup.config.ts",
      "vitest.config.ts",
    ]);

    const made = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    const auth = JSON.parse(await readFile(join(repo, "packages/auth/package.json"), "utf8"));
    expect(made.name).toBe("@smtp/auth-demo-mech");
    expect(made.private).toBeUndefined();
    for (const key of [
      "type",
      "sideEffects",
      "engines",
      "exports",
      "main",
      "types",
      "files",
      "publishConfig",
    ]) {
      expect(made[key], key).toEqual(auth[key]);
    }
    // The same build/typecheck/test/check:pkg scripts (@smtp/auth adds a fuzz run).
    expect(auth.scripts).toMatchObject(made.scripts);
    expect(made.exports["."]["@smtp/source"]).toBe("./src/index.ts");
    expect(made.dependencies).toEqual({ "@smtp/auth": "workspace:^" });
    expect(made.devDependencies).toEqual(auth.devDependencies);

    const source = await readFile(join(dir, "src/index.ts"), "utf8");
    expect(source).toContain("export function demoMechAuth(");
    expect(source).toContain('const MECHANISM = "DEMO-MECH";');
    expect([...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1])).toEqual(["@smtp/auth"]);
    expect(await readFile(join(dir, "tsconfig.json"), "utf8")).toContain(
      '"extends": "@smtp/tsconfig/base.json"',
    );
    expect(await readFile(join(dir, "README.md"), "utf8")).toContain("# @smtp/auth-demo-mech");
  });

  it("refuses to overwrite a directory and refuses a bad name", async () => {
    const again = run(process.execPath, [generator, "demo-mech", "--root", tmp]);
    await expect(again).rejects.toMatchObject({ code: 2 });
    const bad = run(process.execPath, [generator, "Bad_Name", "--root", tmp]);
    await expect(bad).rejects.toMatchObject({ code: 2 });
  });

  it("wrote tooling/auth-example: the checked-in example is byte for byte the generator's output", async () => {
    const out = join(tmp, "example");
    await run(process.execPath, [generator, "example", "--out", out, "--private"]);
    const files = await listFiles(out);
    expect(await listFiles(example)).toEqual(files);
    for (const file of files) {
      expect(await readFile(join(example, file), "utf8"), file).toBe(
        await readFile(join(out, file), "utf8"),
      );
    }
    const pkg = JSON.parse(await readFile(join(example, "package.json"), "utf8"));
    expect([pkg.name, pkg.private]).toEqual(["@smtp/auth-example", true]);
  });
});

describe("a mechanism from a separate workspace package (@smtp/auth-example)", () => {
  it("type-checks against @smtp/auth", async () => {
    const tsc = join(repo, "node_modules/typescript/bin/tsc");
    // Throws with tsc's diagnostics on stdout if the example does not compile.
    await run(process.execPath, [tsc, "-p", join(example, "tsconfig.json")], { cwd: example });
  });

  it("runs through the Auth interface and throws @smtp/auth's own error classes", async () => {
    // Loaded by URL so this package's type-check does not follow it; it resolves
    // "@smtp/auth" through its own node_modules link to this very package.
    const url = pathToFileURL(join(example, "src/index.ts")).href;
    const mod = (await import(url)) as { exampleAuth: (u: string, s: string, h: string) => Auth };
    const server: ServerInfo = { name: "mail.example.com", tls: true, auth: ["EXAMPLE"] };
    const auth = mod.exampleAuth("user", "secret", "mail.example.com");
    const start = await auth.start(server);
    expect(start.mechanism).toBe("EXAMPLE");
    expect(new TextDecoder().decode(start.initialResponse)).toBe("user");
    expect(new TextDecoder().decode((await auth.next(new Uint8Array(0), true)) ?? undefined)).toBe(
      "secret",
    );
    expect(() => auth.next(new Uint8Array(0), true)).toThrow(UnexpectedChallengeError);
    expect(await auth.next(new TextEncoder().encode("2.7.0 ok"), false)).toBeNull();
    let refused: unknown;
    try {
      await auth.start({ ...server, tls: false });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(UnencryptedConnectionError);
    expect(refused).toBeInstanceOf(AuthError);
  });
});
