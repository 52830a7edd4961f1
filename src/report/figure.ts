/**
 * The layer-wise readout figure as PNG: the SVG of figure-svg.ts rendered with resvg.
 */
import { Resvg } from '@resvg/resvg-js';

export { layerFigureSvg, type FigureOptions, type FigureSeries } from './figure-svg.js';

/** Renders an SVG string to PNG bytes (system fonts are used for the text). */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}
