/**
 * `npm run figure -- reports/*.json`: one figure with every given probe
 * report as a line of accuracy per layer, like the paper's layer-wise readout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { layerFigureSvg, svgToPng, type FigureSeries } from '../report/figure.js';
import { CliError, helpText, parseFlags, runCommand, type FlagSpec } from './flags.js';

const FLAGS: FlagSpec[] = [
  {
    name: 'out',
    type: 'string',
    metavar: 'FILE',
    default: 'reports/figure',
    help: 'output path without extension: writes FILE.svg and FILE.png',
  },
  {
    name: 'title',
    type: 'string',
    metavar: 'TEXT',
    default: 'Linear readout per layer',
    help: 'figure title',
  },
  {
    name: 'table',
    type: 'boolean',
    help: 'also print a markdown table of accuracy (%) per layer, one row per report',
  },
  {
    name: 'pr',
    type: 'boolean',
    help: "also print a markdown table of each layer's participation ratio (test features), one row per report",
  },
  {
    name: 'dead',
    type: 'boolean',
    help: "also print a markdown table of each layer's silent units (%: zero variance over the test images), one row per report",
  },
  {
    name: 'baselines',
    type: 'boolean',
    help: "also draw each report's random-init line and pixels level, where present",
  },
];

const SUMMARY = 'Draws the layer-wise readout of one or more probe reports (reports/*.json) in one figure.';

interface LayerResult {
  layer: number;
  accuracy: number;
  participationRatio?: number | null;
  deadFraction?: number;
}

interface Report {
  meta?: { name?: string; trainImages?: number };
  layers?: LayerResult[];
  baselines?: { randomInit: LayerResult[]; pixels: { accuracy: number } } | null;
}

/** A markdown table: one row per named series of per-layer values, `format` turning a value into a cell. */
function printLayerTable(
  rows: { name: string; values: readonly (number | null | undefined)[] }[],
  format: (v: number) => string,
): void {
  const layers = Math.max(...rows.map((r) => r.values.length));
  const header = Array.from({ length: layers }, (_, i) => String(i + 1));
  console.log(`| run | ${header.join(' | ')} |`);
  console.log(`|---|${header.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const cells = header.map((_, i) => (r.values[i] == null ? '' : format(r.values[i]!)));
    console.log(`| ${r.name} | ${cells.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const f = parseFlags('figure', FLAGS, process.argv.slice(2), { positionals: true });
  if (f.help) {
    process.stdout.write(helpText('figure', SUMMARY, FLAGS).replace('[flags]', '[flags] REPORT.json...'));
    return;
  }
  if (f._.length === 0)
    throw new CliError('give one or more report files, e.g. npm run figure -- reports/*.json');
  const series: FigureSeries[] = [];
  const ratios: { name: string; values: readonly (number | null | undefined)[] }[] = [];
  const silent: { name: string; values: readonly (number | null | undefined)[] }[] = [];
  const references: { name: string; value: number }[] = [];
  for (const file of f._) {
    let report: Report;
    try {
      report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    } catch (e) {
      throw new CliError(`${file}: cannot read it as a report (${(e as Error).message.split('\n')[0]})`);
    }
    if (!Array.isArray(report.layers) || report.layers.some((l) => typeof l.accuracy !== 'number')) {
      throw new CliError(`${file}: not a probe report (no layers with accuracies)`);
    }
    const name = report.meta?.name ?? basename(file, '.json');
    series.push({ name, accuracies: report.layers.map((l) => l.accuracy) });
    ratios.push({ name, values: report.layers.map((l) => l.participationRatio) });
    silent.push({ name, values: report.layers.map((l) => l.deadFraction) });
    if (f.baselines && report.baselines) {
      series.push({
        name: `${name}: random init`,
        accuracies: report.baselines.randomInit.map((l) => l.accuracy),
      });
      ratios.push({
        name: `${name}: random init`,
        values: report.baselines.randomInit.map((l) => l.participationRatio),
      });
      silent.push({
        name: `${name}: random init`,
        values: report.baselines.randomInit.map((l) => l.deadFraction),
      });
      references.push({ name: `${name}: pixels`, value: report.baselines.pixels.accuracy });
    }
  }
  if (f.table) {
    printLayerTable(
      series.map((s) => ({ name: s.name, values: s.accuracies })),
      (v) => (100 * v).toFixed(1),
    );
    for (const r of references)
      console.log(`| ${r.name} | ${(100 * r.value).toFixed(1)} (all layers: one number) |`);
  }
  if (f.pr) {
    if (f.table) console.log('');
    printLayerTable(ratios, (v) => v.toFixed(1));
  }
  if (f.dead) {
    if (f.table || f.pr) console.log('');
    printLayerTable(silent, (v) => (100 * v).toFixed(0));
  }
  const svg = layerFigureSvg(series, { title: f.title as string, chance: 0.1, references });
  const out = f.out as string;
  try {
    writeFileSync(`${out}.svg`, svg);
    writeFileSync(`${out}.png`, svgToPng(svg));
  } catch (e) {
    throw new CliError(
      `--out ${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  console.log(`wrote ${out}.svg and ${out}.png (${series.length} lines)`);
}

void runCommand('figure', main);
