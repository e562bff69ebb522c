import { PNG } from 'pngjs';
import { patientAxes, patientView } from '@mic/imaging';
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

/** Lung voxels' range and mean along patient axis `c` (0 left, 1 posterior, 2 superior), in patient-order index. */
function lungExtent(r: AnalysisResult, c: number): { min: number; max: number; mean: number } {
  const { dims, direction } = r.lungs;
  const m = patientAxes(direction);
  const a = m.axis[c];
  const stride = a === 0 ? 1 : a === 1 ? dims[0] : dims[0] * dims[1];
  const n = dims[a];
  let min = n;
  let max = -1;
  let sum = 0;
  let cnt = 0;
  const lungs = r.lungs.data;
  for (let p = 0; p < lungs.length; p++)
    if (lungs[p]) {
      const s = Math.floor(p / stride) % n;
      const q = m.flip[c] ? n - 1 - s : s;
      if (q < min) min = q;
      if (q > max) max = q;
      sum += q;
      cnt++;
    }
  return { min, max, mean: cnt ? sum / cnt : (n - 1) / 2 };
}

/**
 * Axial mosaic: `count` slices evenly over the lungs' extent, superior first, with legend and numbers. Drawn in
 * radiological order whatever the storage order (the patient's right on the image's left, anterior at the top).
 */
export function axialMosaic(r: AnalysisResult, hu: ArrayLike<number>, count = 12, tile = 256): Buffer {
  const view = patientView(r.lungs);
  const [nx, ny, nz] = view.dims;
  let { min: k0, max: k1 } = lungExtent(r, 2);
  if (k1 < 0) [k0, k1] = [0, nz - 1];
  const n = Math.min(count, k1 - k0 + 1);
  const cols = Math.min(4, n);
  const rows = Math.ceil(n / cols);
  const step = Math.max(nx, ny) / tile;
  const w = Math.round(nx / step);
  const h = Math.round(ny / step);
  const png = canvas(cols * w, rows * h + HEADER);
  for (let t = 0; t < n; t++) {
    const f = n === 1 ? 0.5 : t / (n - 1);
    const k = Math.round(k1 - f * (k1 - k0));
    const s: Sampler = { w, h, at: (x, y) => view.offset(Math.floor(x * step), Math.floor(y * step), k) };
    drawView(png, r, hu, s, (t % cols) * w, HEADER + Math.floor(t / cols) * h);
  }
  legend(png, 6, keyLines(r));
  return PNG.sync.write(png);
}

/** Coronal reformat through the lungs' centre (superior at the top), stretched to true proportions. */
export function coronalView(r: AnalysisResult, hu: ArrayLike<number>, width = 512): Buffer {
  const view = patientView(r.lungs);
  const [nx, ny, nz] = view.dims;
  const [sx, , sz] = view.spacing;
  const j = Math.min(ny - 1, Math.round(lungExtent(r, 1).mean));
  const w = Math.min(width, nx);
  const mmPerPx = (nx * sx) / w;
  const h = Math.max(1, Math.round((nz * sz) / mmPerPx));
  const png = canvas(w, h + HEADER);
  const s: Sampler = {
    w,
    h,
    at: (x, y) => {
      const k = nz - 1 - Math.min(nz - 1, Math.floor((y * mmPerPx) / sz));
      return view.offset(Math.min(nx - 1, Math.floor((x * mmPerPx) / sx)), j, k);
    },
  };
  drawView(png, r, hu, s, 0, HEADER);
  legend(png, 6, keyLines(r));
  return PNG.sync.write(png);
}
