import { formatRatio, metrics } from "./metrics.ts";
import { type BenchResults, peersOf } from "./results.ts";

/** The figures the chart shows: every one but the layer count, whose ratio says little by itself. */
const charted = metrics.filter((metric) => metric.id !== "layers");

const layout = { label: 200, column: 88, header: 64, row: 28, footer: 44, span: 4 } as const;

/**
 * results.svg: one row per (ours, peer) pair, one column per figure; each cell a bar from the centre
 * (parity, 1×) on a log₂ scale clamped at 1/16× and 16×, green where ours is better, red where it is
 * worse, grey within 5 %. Hand-written SVG: no chart library.
 */
export function renderRatioChart(results: BenchResults): string {
  const ours = results.subjects.filter((s) => s.kind === "ours");
  const pairs = ours.flatMap((o) => peersOf(o, results.subjects).map((p) => ({ ours: o.id, peer: p.id })));
  const width = layout.label + charted.length * layout.column + 10;
  const height = layout.header + Math.max(pairs.length, 1) * layout.row + layout.footer;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(10, 20, `ours / peer, medians of ${results.runs} run${results.runs === 1 ? "" : "s"}${results.quick ? " (--quick: not for publishing)" : ""}`, { size: 14, weight: "bold" }),
  ];
  charted.forEach((metric, index) => {
    const x = layout.label + index * layout.column + layout.column / 2;
    parts.push(text(x, 42, metric.short, { anchor: "middle", weight: "bold" }));
    parts.push(text(x, 56, metric.better === "lower" ? "lower is better" : "higher is better", { anchor: "middle", size: 9, fill: "#666666" }));
  });
  pairs.forEach((pair, row) => {
    const y = layout.header + row * layout.row;
    if (row % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${width}" height="${layout.row}" fill="#f5f5f5"/>`);
    parts.push(text(10, y + 18, `${pair.ours} / ${pair.peer}`));
    charted.forEach((metric, index) => {
      const centre = layout.label + index * layout.column + layout.column / 2;
      parts.push(`<line x1="${centre}" y1="${y + 3}" x2="${centre}" y2="${y + 15}" stroke="#999999" stroke-width="1"/>`);
      const found = results.ratios.find((r) => r.ours === pair.ours && r.peer === pair.peer && r.metric === metric.id);
      if (!found) {
        parts.push(text(centre, y + 25, "—", { anchor: "middle", size: 10, fill: "#999999" }));
        return;
      }
      const half = layout.column / 2 - 6;
      const length = (Math.max(-layout.span, Math.min(layout.span, Math.log2(found.ratio))) / layout.span) * half;
      const better = metric.better === "lower" ? found.ratio < 1 : found.ratio > 1;
      const colour = Math.abs(found.ratio - 1) <= 0.05 ? "#9e9e9e" : better ? "#2e7d32" : "#c62828";
      const x = length < 0 ? centre + length : centre;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y + 5}" width="${Math.max(Math.abs(length), 1).toFixed(1)}" height="8" fill="${colour}"/>`);
      parts.push(text(centre, y + 25, formatRatio(found.ratio), { anchor: "middle", size: 10, fill: colour }));
    });
  });
  if (!pairs.length) parts.push(text(10, layout.header + 18, "no (ours, peer) pair was measured"));
  const footer = layout.header + Math.max(pairs.length, 1) * layout.row + 18;
  parts.push(
    text(10, footer, "Each bar starts at parity (1×) and is drawn on a log₂ scale clamped at 1/16× and 16×; green: ours is better, red: worse, grey: within 5 %."),
    text(10, footer + 16, "Every server runs 2 workers × 4 threads; the same Python, base image and package index for every image. See results.md for the method.", { fill: "#666666" }),
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

function text(x: number, y: number, content: string, style: { anchor?: string; size?: number; weight?: string; fill?: string } = {}): string {
  const attributes = [
    `x="${x}"`,
    `y="${y}"`,
    style.anchor ? `text-anchor="${style.anchor}"` : "",
    style.size ? `font-size="${style.size}"` : "",
    style.weight ? `font-weight="${style.weight}"` : "",
    style.fill ? `fill="${style.fill}"` : "",
  ].filter(Boolean);
  return `<text ${attributes.join(" ")}>${escapeXml(content)}</text>`;
}

const escapeXml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
