import { gzipSync } from 'node:zlib';
import { patientView } from '@mic/imaging';
import type { AnalysisResult } from '../pipeline.js';

/** First line of a slice stack; the viewer checks it. */
export const SLICE_STACK_MAGIC = 'MIC-SLICES 1';

/** Window of the stored grey values (lung window): grey = 255 * (HU - (center - width / 2)) / width. */
const WINDOW = { center: -600, width: 1500 };

export interface SliceStackHeader {
  width: number;
  height: number;
  slices: number;
  pixelMm: [number, number];
  sliceMm: number;
  window: { center: number; width: number };
  order: string;
  /** What a label byte holds: bits 0-1 the lung, bits 2-3 the lesion. */
  labels: { lung: Record<string, string>; lesion: Record<string, string> };
}

/**
 * The analysed CT as a stack of axial slices for scrolling in the viewer: grey values in the lung window and one
 * label byte per pixel (lung 1 right / 2 left, plus 4 x lesion 1 GGO / 2 consolidation), in radiological order (the
 * patient's right on the image's left, anterior at the top), slice 0 the most superior. At most `maxSize` pixels a
 * side (blocks averaged, the block's most frequent label) and slices at least `minSliceMm` apart: a preview for
 * reading the result, not a diagnostic series (the PACS holds that, with the SEG over it). Layout: the magic line, a
 * JSON header line, then width x height x slices grey bytes and as many label bytes; gzip-compressed.
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
    window: WINDOW,
    order: "slice 0 most superior; columns from the patient's right to left, rows from anterior to posterior",
    labels: {
      lung: { '1': 'right lung', '2': 'left lung' },
      lesion: { '1': 'ground-glass opacity', '2': 'consolidation' },
    },
  };
  const plane = w * h;
  const grey = new Uint8Array(plane * ks.length);
  const labels = new Uint8Array(plane * ks.length);
  const lo = WINDOW.center - WINDOW.width / 2;
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
        grey[q] = Math.max(0, Math.min(255, Math.round((255 * (sum / (f * f) - lo)) / WINDOW.width)));
        labels[q] = best;
      }
  const head = new TextEncoder().encode(`${SLICE_STACK_MAGIC}\n${JSON.stringify(header)}\n`);
  const raw = new Uint8Array(head.length + 2 * plane * ks.length);
  raw.set(head, 0);
  raw.set(grey, head.length);
  raw.set(labels, head.length + grey.length);
  return new Uint8Array(gzipSync(raw, { level: 6 }));
}
