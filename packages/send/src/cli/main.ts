import { bulkCommand, bulkUsage } from "./bulk-command.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./io.js";
import { probeCommand, probeUsage } from "./probe-command.js";
import { sendCommand, sendUsage } from "./send-command.js";

const usage = `usage: smtp <command> [options]

commands:
  send    send one message (from a file or stdin)
  probe   show what a server offers (TLS, certificate, AUTH, SIZE)
  bulk    send a folder or a list of messages through a connection pool

smtp <command> --help shows a command's options.`;

const commands: Record<
  string,
  { run: (argv: string[], io: CliIo) => Promise<number>; usage: string }
> = {
  send: { run: sendCommand, usage: sendUsage },
  probe: { run: probeCommand, usage: probeUsage },
  bulk: { run: bulkCommand, usage: bulkUsage },
};

/** The `smtp` command line. Returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout.write(`${usage}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`smtp: unknown command "${name}"\n\n${usage}\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION.
    const code = (error as { code?: unknown }).code;
    if (
      error instanceof UsageError ||
      (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))
    ) {
      io.stderr.write(`smtp ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return EXIT.usage;
    }
    if (typeof code === "string" && (code === "ENOENT" || code === "EACCES" || code === "EISDIR")) {
      io.stderr.write(`smtp ${name}: ${(error as Error).message}\n`);
      return EXIT.noInput;
    }
    throw error;
  }
}
