// Small statistics and formatting helpers shared by every scenario.

/** The median of a list of numbers (the mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** "100 MiB", "1 GiB". */
export function formatSize(bytes) {
  return bytes >= GiB ? `${bytes / GiB} GiB` : `${bytes / MiB} MiB`;
}

/** Throughput in GB/s (10^9 bytes per second). */
export function gigabytesPerSecond(bytes, seconds) {
  return bytes / seconds / 1e9;
}

/** Prints rows (arrays of cells) as a Markdown table, so a run can be pasted into a README. */
export function printTable(header, rows) {
  const all = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(" | ")} |`;
  console.log(line(all[0]));
  console.log(`| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`);
  for (const row of all.slice(1)) console.log(line(row));
}
