// The ratios chart: a horizontal bar per ratio target (ours ÷ the peer; higher is better),
// a tick at the target, green when met and red when missed. Plain SVG written by hand, so
// the bench needs no chart library.

const escapeXml = (text) =>
  String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** targets: [{ scenario, text, value, goal, pass }] with unit "x"; returns the SVG text. */
export function ratiosSvg(targets, { title }) {
  const bars = targets.filter((t) => t.unit === "x" && t.value !== undefined);
  const rowHeight = 26;
  const labelWidth = 380;
  const plotWidth = 420;
  const top = 46;
  const height = top + bars.length * rowHeight + 40;
  const width = labelWidth + plotWidth + 90;
  const max = Math.max(2, ...bars.map((t) => Math.max(t.value, t.goal))) * 1.1;
  const x = (value) => labelWidth + (value / max) * plotWidth;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13" role="img" aria-labelledby="title">`,
    `<title id="title">${escapeXml(title)}: ratios against the targets</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let tick = 0; tick <= max; tick += max > 8 ? 2 : 1) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top - 6}" x2="${x(tick)}" y2="${top + bars.length * rowHeight}" stroke="#ddd"/>`,
      `<text x="${x(tick)}" y="${top + bars.length * rowHeight + 16}" text-anchor="middle" fill="#555">${tick}x</text>`,
    );
  }
  bars.forEach((t, i) => {
    const y = top + i * rowHeight;
    const color = t.pass ? "#2e8b57" : "#c0392b";
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(`${t.scenario}: ${t.text}`)}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(1, x(t.value) - labelWidth)}" height="${rowHeight - 8}" fill="${color}"/>`,
      `<line x1="${x(t.goal)}" y1="${y + 1}" x2="${x(t.goal)}" y2="${y + rowHeight - 1}" stroke="#000" stroke-width="2"/>`,
      `<text x="${x(t.value) + 6}" y="${y + 16}">${t.value.toFixed(2)}x ${t.pass ? "PASS" : "MISS"}</text>`,
    );
  });
  parts.push(
    `<text x="10" y="${height - 6}" fill="#555">bar: ours ÷ peer (rate, or the peer's CPU per message ÷ ours); black tick: the target</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}
