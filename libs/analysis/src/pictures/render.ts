import { PNG } from 'pngjs';
import type { AnalysisResult } from '../pipeline.js';
import { drawText } from './font.js';

type Rgb = [number, number, number];
const GGO: Rgb = [255, 220, 0];
const CONS: Rgb = [255, 40, 40];
const OUTLINE: Rgb[] = [
  [0, 0, 0],
  [80, 170, 255],
  [80, 255, 120],
];

interface Sampler {
  w: number;
  h: number;
  /** voxel index of output pixel (x, y) */
  at(x: number, y: number): number;
}

function canvas(w: number, h: number): PNG {
  const png = new PNG({ width: w, height: h });
  png.data.fill(0);
  for (let p = 3; p < png.data.length; p += 4) png.data[p] = 255;
  return png;
}

/** Lung window (W 1500, L -600) with lesion colours and lung outlines, drawn at (ox, oy). */
function drawView(png: PNG, r: AnalysisResult, hu: ArrayLike<number>, s: Sampler, ox: number, oy: number): void {
  const lungs = r.lungs.data;
  const les = r.lesions.data;
  for (let y = 0; y < s.h; y++)
    for (let x = 0; x < s.w; x++) {
      const p = s.at(x, y);
      const g = Math.max(0, Math.min(255, ((hu[p] + 1350) / 1500) * 255));
      let c: Rgb = [g, g, g];
      const l = les[p];
      if (l) c = c.map((a, t) => 0.45 * a + 0.55 * (l === 1 ? GGO : CONS)[t]) as Rgb;
      const lung = lungs[p];
      if (lung) {
        const edge =
          (x > 0 && lungs[s.at(x - 1, y)] !== lung) ||
          (x < s.w - 1 && lungs[s.at(x + 1, y)] !== lung) ||
          (y > 0 && lungs[s.at(x, y - 1)] !== lung) ||
          (y < s.h - 1 && lungs[s.at(x, y + 1)] !== lung);
        if (edge) c = OUTLINE[lung];
      }
      const o = 4 * (ox + x + (oy + y) * png.width);
      png.data[o] = c[0];
      png.data[o + 1] = c[1];
      png.data[o + 2] = c[2];
    }
}

function legend(png: PNG, y: number, lines: string[]): void {
  let yy = y;
  const sc = png.width >= 800 ? 2 : 1;
  const items: [string, Rgb][] = [
    ['RIGHT LUNG', OUTLINE[1]],
    ['LEFT LUNG', OUTLINE[2]],
    ['GGO', GGO],
    ['CONSOLIDATION', CONS],
  ];
  let x = 8;
  for (const [name, col] of items) {
    for (let dy = 0; dy < 12; dy++)
      for (let dx = 0; dx < 12; dx++) {
        const o = 4 * (x + dx + (yy + dy) * png.width);
        png.data[o] = col[0];
        png.data[o + 1] = col[1];
        png.data[o + 2] = col[2];
      }
    drawText(png.data, png.width, png.height, x + 18, yy, name, [230, 230, 230], sc);
    x += 18 + 6 * sc * (name.length + 2);
  }
  yy += 20;
  for (const line of lines) {
    drawText(png.data, png.width, png.height, 8, yy, line, [255, 255, 255], sc);
    yy += 9 * sc;
  }
}

/** The key numbers, one short line each. */
export function keyLines(r: AnalysisResult): string[] {
  const rep = r.report;
  return [
    `LUNGS R ${rep.lung.right.volumeMl.toFixed(0)} ML  L ${rep.lung.left.volumeMl.toFixed(0)} ML`,
    `GGO ${rep.lesions.ggo.volumeMl.toFixed(1)} ML  CONS ${rep.lesions.consolidation.volumeMl.toFixed(1)} ML`,
    `INVOLVEMENT ${rep.involvement.percent.toFixed(1)}% (R ${rep.involvement.right.percent.toFixed(1)}%, L ${rep.involvement.left.percent.toFixed(1)}%)`,
    `SCORE ${rep.severity.total}/${rep.severity.max}  ${rep.severity.mosmed}  RSNA: ${rep.typicality.category}`,
  ];
}

const HEADER = 100;

/** Axial mosaic: `count` slices evenly over the lungs' extent, superior first, with legend and numbers. */
export function axialMosaic(r: AnalysisResult, hu: ArrayLike<number>, count = 12, tile = 256): Buffer {
  const [nx, ny, nz] = r.lungs.dims;
  const nxy = nx * ny;
  let k0 = nz;
  let k1 = -1;
  for (let k = 0; k < nz; k++)
    for (let p = k * nxy; p < (k + 1) * nxy; p++)
      if (r.lungs.data[p]) {
        k0 = Math.min(k0, k);
        k1 = Math.max(k1, k);
        break;
      }
  if (k1 < 0) [k0, k1] = [0, nz - 1];
  const n = Math.min(count, k1 - k0 + 1);
  const cols = Math.min(4, n);
  const rows = Math.ceil(n / cols);
  const step = Math.max(nx, ny) / tile;
  const w = Math.round(nx / step);
  const h = Math.round(ny / step);
  const png = canvas(cols * w, rows * h + HEADER);
  const up = r.lungs.direction[8] >= 0;
  for (let t = 0; t < n; t++) {
    const f = n === 1 ? 0.5 : t / (n - 1);
    const k = Math.round(up ? k1 - f * (k1 - k0) : k0 + f * (k1 - k0));
    const s: Sampler = { w, h, at: (x, y) => Math.floor(x * step) + nx * Math.floor(y * step) + nxy * k };
    drawView(png, r, hu, s, (t % cols) * w, HEADER + Math.floor(t / cols) * h);
  }
  legend(png, 6, keyLines(r));
  return PNG.sync.write(png);
}

/** Coronal reformat through the lungs' centre (superior at the top), stretched to true proportions. */
export function coronalView(r: AnalysisResult, hu: ArrayLike<number>, width = 512): Buffer {
  const [nx, ny, nz] = r.lungs.dims;
  const [sx, , sz] = r.lungs.spacing;
  let sumJ = 0;
  let cnt = 0;
  for (let p = 0; p < r.lungs.data.length; p++)
    if (r.lungs.data[p]) {
      sumJ += Math.floor(p / nx) % ny;
      cnt++;
    }
  const j = cnt ? Math.round(sumJ / cnt) : Math.floor(ny / 2);
  const w = Math.min(width, nx);
  const mmPerPx = (nx * sx) / w;
  const h = Math.max(1, Math.round((nz * sz) / mmPerPx));
  const up = r.lungs.direction[8] >= 0;
  const png = canvas(w, h + HEADER);
  const s: Sampler = {
    w,
    h,
    at: (x, y) => {
      const kk = Math.min(nz - 1, Math.floor((y * mmPerPx) / sz));
      const k = up ? nz - 1 - kk : kk;
      return Math.min(nx - 1, Math.floor((x * mmPerPx) / sx)) + nx * (j + ny * k);
    },
  };
  drawView(png, r, hu, s, 0, HEADER);
  legend(png, 6, keyLines(r));
  return PNG.sync.write(png);
}
