/**
 * The layer-wise readout figure: linear-probe accuracy (%) against layer,
 * one line per run, like the paper's figure, as an SVG string (the commands
 * render it to PNG in figure.ts; the demo page shows it as is).
 */

export interface FigureSeries {
  name: string;
  /** Accuracy in [0, 1] for layer 1, 2, ...; null where a run has no such layer. */
  accuracies: readonly (number | null)[];
}

export interface FigureOptions {
  title?: string;
  /** Chance level in [0, 1], drawn as a dashed line (e.g. 0.1 for 10 classes). */
  chance?: number;
  /** Single-number baselines (e.g. raw pixels), drawn as labelled horizontal lines. */
  references?: readonly { name: string; value: number }[];
  width?: number;
  height?: number;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#17becf',
  '#bcbd22',
];

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An SVG line chart of accuracy per layer. */
export function layerFigureSvg(series: readonly FigureSeries[], opts: FigureOptions = {}): string {
  // the legend sits right of the plot: room for the longest name (about 7 px a character at 12 px)
  const longest = Math.max(0, ...series.map((s) => s.name.length));
  const right = Math.max(190, 60 + 7 * longest);
  const width = opts.width ?? 530 + right;
  const height = opts.height ?? 440;
  const margin = { left: 70, right, top: 50, bottom: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const layers = Math.max(1, ...series.map((s) => s.accuracies.length));

  // y axis: 0 .. a round percentage above the best accuracy
  const refs = opts.references ?? [];
  const best = Math.max(
    opts.chance ?? 0,
    ...refs.map((r) => r.value),
    ...series.flatMap((s) => s.accuracies.filter((a): a is number => a !== null)),
  );
  const yMax = Math.min(100, Math.max(20, Math.ceil((best * 100) / 10) * 10 + 10));
  const x = (layer: number): number =>
    margin.left + (layers === 1 ? plotW / 2 : ((layer - 1) / (layers - 1)) * plotW);
  const y = (acc: number): number => margin.top + plotH - ((acc * 100) / yMax) * plotH;

  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  // grid and y ticks
  for (let t = 0; t <= yMax; t += 10) {
    const yy = y(t / 100);
    parts.push(
      `<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="#e5e5e5"/>`,
    );
    parts.push(`<text x="${margin.left - 8}" y="${yy + 4}" text-anchor="end" font-size="12">${t}</text>`);
  }
  for (let l = 1; l <= layers; l++) {
    parts.push(
      `<text x="${x(l)}" y="${margin.top + plotH + 20}" text-anchor="middle" font-size="12">${l}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 18}" text-anchor="middle" font-size="14">Layer</text>`,
    `<text x="20" y="${margin.top + plotH / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 20 ${margin.top + plotH / 2})">Linear readout accuracy (%)</text>`,
  );
  if (opts.title) {
    parts.push(
      `<text x="${margin.left + plotW / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(opts.title)}</text>`,
    );
  }
  if (opts.chance !== undefined) {
    const yy = y(opts.chance);
    parts.push(
      `<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="#999" stroke-dasharray="5,4"/>`,
    );
    parts.push(
      `<text x="${margin.left + plotW - 4}" y="${yy - 5}" text-anchor="end" font-size="11" fill="#777">chance</text>`,
    );
  }
  for (const r of refs) {
    const yy = y(r.value);
    parts.push(
      `<line x1="${margin.left}" y1="${yy}" x2="${margin.left + plotW}" y2="${yy}" stroke="#555" stroke-dasharray="2,3"/>`,
    );
    parts.push(
      `<text x="${margin.left + 4}" y="${yy - 5}" font-size="11" fill="#555">${escapeXml(r.name)}</text>`,
    );
  }
  // one polyline per series (broken where a layer is missing), markers, legend
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    let path = '';
    let pen = false;
    s.accuracies.forEach((a, l) => {
      if (a === null) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${x(l + 1).toFixed(1)},${y(a).toFixed(1)} `;
      pen = true;
      parts.push(`<circle cx="${x(l + 1).toFixed(1)}" cy="${y(a).toFixed(1)}" r="3.5" fill="${color}"/>`);
    });
    if (path) parts.push(`<path d="${path.trim()}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = margin.top + 10 + i * 20;
    const lx = margin.left + plotW + 16;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 28}" y="${ly + 4}" font-size="12">${escapeXml(s.name)}</text>`);
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif">\n${parts.join('\n')}\n</svg>\n`
  );
}
