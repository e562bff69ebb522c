import { gzipSync } from 'node:zlib';
import { patientView } from '@mic/imaging';
import type { AnalysisResult } from '../pipeline.js';

/** First line of a slice stack; the viewer checks it (and still reads version 1: one plane, the lung window). */
export const SLICE_STACK_MAGIC = 'MIC-SLICES 2';

/**
 * The windows stored, one grey plane each: grey = 255 * (HU - (center - width / 2)) / width. The lung window to read
 * the opacities, the mediastinal one to tell consolidation from effusion or atelectasis at the lung's base.
 */
export const SLICE_WINDOWS = [
  { name: 'lung', center: -600, width: 1500 },
  { name: 'mediastinum', center: 40, width: 400 },
] as const;

export interface SliceStackHeader {
  width: number;
  height: number;
  slices: number;
  pixelMm: [number, number];
  sliceMm: number;
  /** The first window (what version 1 held alone). */
  window: { center: number; width: number };
  /** One grey plane per window, in this order, before the label plane. */
  windows: { name: string; center: number; width: number }[];
  order: string;
  /** What a label byte holds: bits 0-1 the lung, bits 2-3 the lesion. */
  labels: { lung: Record<string, string>; lesion: Record<string, string> };
}

/**
 * The analysed CT as a stack of axial slices for scrolling in the viewer: grey values in each of SLICE_WINDOWS and one
 * label byte per pixel (lung 1 right / 2 left, plus 4 x lesion 1 GGO / 2 consolidation), in radiological order (the
 * patient's right on the image's left, anterior at the top), slice 0 the most superior. At most `maxSize` pixels a
 * side (blocks averaged, the block's most frequent label) and slices at least `minSliceMm` apart: a preview for
 * reading the result, not a diagnostic series (the PACS holds that, with the SEG over it). Layout: the magic line, a
 * JSON header line, then width x height x slices grey bytes per window and as many label bytes; gzip-compressed.
 */
export function sliceStack(r: AnalysisResult, hu: ArrayLike<number>, maxSize = 256, minSliceMm = 1.25): Uint8Array {
  const view = patientView(r.lungs);
  const [nx, ny, nz] = view.dims;
  const f = Math.max(1, Math.ceil(Math.max(nx, ny) / maxSize));
  const step = Math.max(1, Math.round(minSliceMm / view.spacing[2]));
  const w = Math.floor(nx / f);
  const h = Math.floor(ny / f);
  const ks: number[] = [];
  for (let k = nz - 1; k >= 0; k -= step) ks.push(k);
  const header: SliceStackHeader = {
    width: w,
    height: h,
    slices: ks.length,
    pixelMm: [view.spacing[0] * f, view.spacing[1] * f],
    sliceMm: view.spacing[2] * step,
    window: { center: SLICE_WINDOWS[0].center, width: SLICE_WINDOWS[0].width },
    windows: SLICE_WINDOWS.map((w) => ({ ...w })),
    order: "slice 0 most superior; columns from the patient's right to left, rows from anterior to posterior",
    labels: {
      lung: { '1': 'right lung', '2': 'left lung' },
      lesion: { '1': 'ground-glass opacity', '2': 'consolidation' },
    },
  };
  const plane = w * h;
  const n = plane * ks.length;
  const greys = SLICE_WINDOWS.map(() => new Uint8Array(n));
  const labels = new Uint8Array(n);
  const lungs = r.lungs.data;
  const lesions = r.lesions.data;
  const counts = new Uint16Array(16);
  for (let s = 0; s < ks.length; s++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let sum = 0;
        counts.fill(0);
        for (let dy = 0; dy < f; dy++)
          for (let dx = 0; dx < f; dx++) {
            const p = view.offset(x * f + dx, y * f + dy, ks[s]);
            sum += hu[p];
            counts[lungs[p] | (lesions[p] << 2)]++;
          }
        let best = 0;
        for (let l = 1; l < 16; l++) if (counts[l] >= counts[best]) best = l;
        const q = s * plane + y * w + x;
        const mean = sum / (f * f);
        SLICE_WINDOWS.forEach(({ center, width }, i) => {
          greys[i][q] = Math.max(0, Math.min(255, Math.round((255 * (mean - center + width / 2)) / width)));
        });
        labels[q] = best;
      }
  const head = new TextEncoder().encode(`${SLICE_STACK_MAGIC}\n${JSON.stringify(header)}\n`);
  const raw = new Uint8Array(head.length + (greys.length + 1) * n);
  raw.set(head, 0);
  greys.forEach((g, i) => raw.set(g, head.length + i * n));
  raw.set(labels, head.length + greys.length * n);
  return new Uint8Array(gzipSync(raw, { level: 6 }));
}
