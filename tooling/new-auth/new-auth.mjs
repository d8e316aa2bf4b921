#!/usr/bin/env node
// Scaffolds a third-party SASL mechanism as its own workspace package:
//
//   pnpm new:auth <name>                    -> packages/auth-<name>   (@smtp/auth-<name>)
//   pnpm new:auth <name> --out <dir>        -> <dir> instead
//   pnpm new:auth <name> --root <dir>       -> <dir>/packages/auth-<name>
//   pnpm new:auth <name> --private          -> "private": true, no publishConfig
//
// The package depends on nothing but @smtp/auth; its src/index.ts implements
// the Auth interface (see packages/auth/README.md, "Writing a mechanism") and
// its test drives it through that interface only. The generator refuses to
// overwrite an existing directory.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function usage(message) {
  process.stderr.write(
    `${message}\nusage: pnpm new:auth <name> [--out <dir>] [--root <dir>] [--private]\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const options = { name: undefined, out: undefined, root: repoRoot, private: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--out" || arg === "--root") {
      const value = argv[++i];
      if (value === undefined) usage(`${arg} needs a directory`);
      options[arg.slice(2)] = resolve(value);
    } else if (arg === "--private") {
      options.private = true;
    } else if (arg.startsWith("-")) {
      usage(`unknown option ${arg}`);
    } else if (options.name === undefined) {
      options.name = arg;
    } else {
      usage(`unexpected argument ${arg}`);
    }
  }
  if (options.name === undefined) usage("missing <name>");
  // npm-safe, and usable as a SASL mechanism name once upper-cased (RFC 4422 §3.1).
  if (!/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/.test(options.name)) {
    usage("<name> must be 2-20 characters of a-z, 0-9 and '-', starting with a letter");
  }
  return options;
}

const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

/** The files of the package, as path -> content. */
export function scaffold(name, { isPrivate = false } = {}) {
  const pkgName = `@smtp/auth-${name}`;
  const mechanism = name.toUpperCase();
  const factory = `${camel(name)}Auth`;

  const pkg = {
    name: pkgName,
    version: "0.0.0",
    ...(isPrivate ? { private: true } : {}),
    description: `The ${mechanism} SASL mechanism for @smtp/auth.`,
    license: "MIT",
    type: "module",
    sideEffects: false,
    engines: { node: ">=20" },
    exports: {
      ".": {
        "@smtp/source": "./src/index.ts",
        types: "./dist/index.d.ts",
        default: "./dist/index.js",
      },
      "./package.json": "./package.json",
    },
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    files: ["dist"],
    ...(isPrivate
      ? {}
      : {
          publishConfig: {
            access: "public",
            exports: {
              ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
              "./package.json": "./package.json",
            },
          },
        }),
    scripts: {
      build: "tsup",
      typecheck: "tsc -p tsconfig.json",
      test: "vitest run",
      "check:pkg": "publint --strict --pack pnpm && attw --pack . --profile esm-only",
    },
    dependencies: { "@smtp/auth": "workspace:^" },
    devDependencies: {
      "@smtp/tsconfig": "workspace:*",
      "@smtp/vitest-config": "workspace:*",
    },
  };

  const files = {};
  files["package.json"] = `${JSON.stringify(pkg, null, 2)}\n`;
  files["tsconfig.json"] = `{
  "extends": "@smtp/tsconfig/base.json",
  "include": ["src", "test", "*.config.ts"]
}
`;
  files["tsup.config.ts"] = `import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
`;
  files["vitest.config.ts"] = `import { packageTestConfig } from "@smtp/vitest-config";

export default packageTestConfig();
`;
  files["src/index.ts"] = `// ${mechanism}: a SASL mechanism for @smtp/auth, in its own package.
//
// This file is the template \`pnpm new:auth ${name}\` wrote. It shows the whole
// contract (packages/auth/README.md, "Writing a mechanism"):
//   start(server)        -> { mechanism, initialResponse? }; called once per attempt,
//                           so reset per-attempt state here
//   next(challenge, true)  -> the response to a 334 challenge (a Uint8Array, may be empty)
//   next(text, false)      -> null once the server said 235 (or throw to refuse success)
//   throw an AuthError subclass from @smtp/auth to cancel the exchange.
// Replace the exchange below with your mechanism's; keep the imports to @smtp/auth.
import {
  type Auth,
  type AuthStart,
  assertSecretMayBeSent,
  InvalidCredentialsError,
  type ServerInfo,
  UnexpectedChallengeError,
} from "@smtp/auth";

const MECHANISM = "${mechanism}";

/**
 * Sends \`username\` as the initial response and \`secret\` in answer to the one
 * challenge. The secret is reusable, so the mechanism only starts over TLS to
 * \`host\` (or to localhost), as PLAIN does.
 */
export function ${factory}(username: string, secret: string, host: string): Auth {
  let answered = false;
  return {
    start(server: ServerInfo): AuthStart {
      assertSecretMayBeSent(server, host, MECHANISM);
      if (/[\\r\\n\\0]/.test(username)) {
        throw new InvalidCredentialsError("username", "must not contain CR, LF or NUL", {
          mechanism: MECHANISM,
        });
      }
      answered = false;
      return { mechanism: MECHANISM, initialResponse: new TextEncoder().encode(username) };
    },
    next(_fromServer: Uint8Array, more: boolean): Uint8Array | null {
      if (!more) return null;
      if (answered) throw new UnexpectedChallengeError({ mechanism: MECHANISM });
      answered = true;
      return new TextEncoder().encode(secret);
    },
  };
}
`;
  files["src/index.test.ts"] =
    `// Drives the mechanism only through the Auth interface of @smtp/auth, the way
// an SMTP client does, and checks that nothing but @smtp/auth is imported.
import { readFileSync } from "node:fs";
import { type Auth, AuthError, type ServerInfo, UnencryptedConnectionError } from "@smtp/auth";
import { describe, expect, it } from "vitest";
import { ${factory} } from "./index.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const server: ServerInfo = { name: "mail.example.com", tls: true, auth: ["${mechanism}"] };

async function run(auth: Auth, challenges: string[]): Promise<(string | null)[]> {
  const start = await auth.start(server);
  const sent: (string | null)[] = [
    start.initialResponse === undefined ? null : dec(start.initialResponse),
  ];
  for (const challenge of challenges) sent.push(dec(await auth.next(enc(challenge), true)));
  sent.push(dec(await auth.next(enc("2.7.0 Authentication successful"), false)));
  return sent;
}

describe("${mechanism}", () => {
  it("runs a whole exchange through the Auth interface", async () => {
    const auth: Auth = ${factory}("user", "secret", "mail.example.com");
    expect((await auth.start(server)).mechanism).toBe("${mechanism}");
    expect(await run(auth, ["go on"])).toEqual(["user", "secret", null]);
  });

  it("refuses a second challenge and a clear-text connection with @smtp/auth's errors", async () => {
    const auth = ${factory}("user", "secret", "mail.example.com");
    await auth.start(server);
    await auth.next(enc("go on"), true);
    expect(() => auth.next(enc("again"), true)).toThrow(AuthError);
    expect(() => auth.start({ ...server, tls: false })).toThrow(UnencryptedConnectionError);
  });

  it("imports nothing but @smtp/auth", () => {
    const source = readFileSync(new URL("./index.ts", import.meta.url), "utf8");
    const specifiers = [...source.matchAll(/from\\s+"([^"]+)"/g)].map((m) => m[1]);
    expect(specifiers).toEqual(["@smtp/auth"]);
  });
});
`;
  files["README.md"] = `# ${pkgName}

The \`${mechanism}\` SASL mechanism for [\`@smtp/auth\`](../../packages/auth/README.md),
as its own package. Scaffolded by \`pnpm new:auth ${name}\`.

\`\`\`
@smtp/send  ->  @smtp/client  ->  @smtp/auth  <-  ${pkgName}
                      \\-> @smtp/textproto
\`\`\`

## Use

\`\`\`ts
import { dial } from "@smtp/client";
import { ${factory} } from "${pkgName}";

const client = await dial("mail.example.com:587");
await client.startTls();
await client.auth(${factory}("user", "secret", "mail.example.com"));
\`\`\`

## Contract

\`src/index.ts\` implements \`Auth\` from \`@smtp/auth\` and imports nothing else:
\`start(server)\` returns the mechanism name and the optional initial response
(absent and empty are different), \`next(challenge, true)\` answers each 334
challenge, \`next(text, false)\` returns \`null\` after 235. Throw an \`AuthError\`
subclass to cancel; never put a secret in an error message. A mechanism that
sends a reusable secret calls \`assertSecretMayBeSent(server, host, MECHANISM)\`
first. See "Writing a mechanism" in the \`@smtp/auth\` README.

## Develop

\`\`\`sh
pnpm --filter ${pkgName} typecheck
pnpm --filter ${pkgName} test
pnpm --filter ${pkgName} build
\`\`\`
`;
  return files;
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const target = options.out ?? join(options.root, "packages", `auth-${options.name}`);
  if (existsSync(target)) usage(`${target} already exists; not overwriting`);
  const files = scaffold(options.name, { isPrivate: options.private });
  for (const [path, content] of Object.entries(files)) {
    const file = join(target, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  const shown = relative(process.cwd(), target) || ".";
  process.stdout.write(
    `created ${shown} (@smtp/auth-${options.name}); run \`pnpm install\` to link it into the workspace\n`,
  );
}

// Run only as a script, so tests can import scaffold() without side effects.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
