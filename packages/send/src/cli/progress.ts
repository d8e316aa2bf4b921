import type { SendOutcome } from "../sender.js";
import type { CliIo } from "./io.js";

/**
 * Bulk progress: on a terminal one line redrawn in place (at most 10 times a
 * second); otherwise one plain line per message, which logs and pipes want.
 */
export class Progress {
  readonly #io: CliIo;
  readonly #total: number | undefined;
  readonly #tty: boolean;
  readonly #startedAt = performance.now();
  #lastDraw = 0;
  readonly counts: Record<SendOutcome, number> = { sent: 0, refused: 0, failed: 0, unknown: 0 };

  constructor(io: CliIo, total: number | undefined) {
    this.#io = io;
    this.#total = total;
    this.#tty = io.stdout.isTTY === true;
  }

  record(name: string, outcome: SendOutcome, detail: string): void {
    this.counts[outcome]++;
    if (!this.#tty) {
      this.#io.stdout.write(`${outcome.padEnd(8)}${name}${detail ? `  ${detail}` : ""}\n`);
      return;
    }
    if (outcome !== "sent") {
      // Problems stay on screen above the progress line.
      this.#io.stdout.write(`\r\x1b[K${outcome.padEnd(8)}${name}${detail ? `  ${detail}` : ""}\n`);
    }
    const now = performance.now();
    if (now - this.#lastDraw >= 100) {
      this.#lastDraw = now;
      this.#draw();
    }
  }

  get done(): number {
    const c = this.counts;
    return c.sent + c.refused + c.failed + c.unknown;
  }

  #draw(): void {
    const total = this.#total;
    const width = 24;
    const bar =
      total && total > 0
        ? `[${"#".repeat(Math.round((this.done / total) * width)).padEnd(width, ".")}] ${this.done}/${total}`
        : `${this.done}`;
    this.#io.stdout.write(`\r\x1b[K${bar}  ${this.#line()}`);
  }

  #line(): string {
    const c = this.counts;
    return `sent ${c.sent}, refused ${c.refused}, failed ${c.failed}, unknown ${c.unknown}, ${this.rate().toFixed(1)} messages/s`;
  }

  rate(): number {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  /** The summary line (after clearing the progress line on a terminal). */
  finish(): void {
    if (this.#tty) this.#io.stdout.write("\r\x1b[K");
    const seconds = (performance.now() - this.#startedAt) / 1000;
    this.#io.stdout.write(
      `summary: ${this.#line()} (${this.done} messages in ${seconds.toFixed(2)} s)\n`,
    );
  }
}
