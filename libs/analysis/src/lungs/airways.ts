import { dilate, fillHoles2d, type Vec3 } from '@mic/imaging';
import type { Body } from './body.js';
import { centroids, sliceComponents } from './slices.js';

export interface AirwayOptions {
  /** Lumen threshold: airway air is darker than aerated lung. */
  lumenHu: number;
  /** Slices ordered from superior to inferior. */
  order: number[];
}

/**
 * Trachea and main bronchi by slice-wise region growing from the top.
 * The seed is a round, central, dark air region in the first slices; a branch stops when it leaks
 * (area jumps) or when it is surrounded by aerated lung (it has entered the lung: intrapulmonary airways stay lung).
 */
export function findAirways(
  hu: Float32Array,
  air: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  body: Body,
  o: AirwayOptions,
): Uint8Array {
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const pxArea = spacing[0] * spacing[1];
  const lumen = new Uint8Array(hu.length);
  for (let p = 0; p < hu.length; p++) lumen[p] = air[p] && hu[p] < o.lumenHu ? 1 : 0;
  const out = new Uint8Array(hu.length);
  const seedAt = findSeed(lumen, dims, spacing, body, o.order);
  if (!seedAt) return out;
  let prev: Uint8Array = seedAt.region;
  let prevArea = seedAt.area;
  out.set(prev, seedAt.k * nxy);
  // beyond the lumen's partial-volume rim and the airway wall (the working grid is averaged in-plane)
  const ringStep = Math.max(3, Math.round(6 / spacing[0]));
  for (let t = o.order.indexOf(seedAt.k) + 1; t < o.order.length && prevArea > 0; t++) {
    const k = o.order[t];
    const c = sliceComponents(lumen, dims, k);
    const cur = new Uint8Array(nxy);
    let area = 0;
    const overlapping = new Set<number>();
    for (let p = 0; p < nxy; p++) if (prev[p] && c.labels[p]) overlapping.add(c.labels[p]);
    for (const id of overlapping) {
      const a = c.sizes[id] * pxArea;
      if (a > Math.max(600, 2.5 * prevArea * pxArea + 150)) continue;
      if (lungAround(c.labels, id, air, lumen, k * nxy, nx, ny, ringStep) > 0.5) continue;
      for (let p = 0; p < nxy; p++)
        if (c.labels[p] === id) {
          cur[p] = 1;
          area++;
        }
    }
    out.set(cur, k * nxy);
    prev = cur;
    prevArea = area;
  }
  // the partial-volume rim around the lumen is air-like too: remove it with the lumen
  return dilate(out, dims, spacing, 1.5 * spacing[0], { planar: true });
}

function findSeed(lumen: Uint8Array, dims: Vec3, spacing: Vec3, body: Body, order: number[]) {
  const nxy = dims[0] * dims[1];
  const nx = dims[0];
  const pxArea = spacing[0] * spacing[1];
  // only the upper part of the scan can hold the trachea above the carina
  const limit = Math.ceil(order.length * 0.4);
  for (let t = 0; t < limit; t++) {
    const k = order[t];
    if (!Number.isFinite(body.midI[k])) continue;
    const c = sliceComponents(lumen, dims, k);
    const { ci } = centroids(c, nx);
    // a body wider than the field of view has its centre where the crop put it, not at the trachea
    const tolerance = body.cut[k] ? 0.25 : 0.12;
    let best = 0;
    for (let id = 1; id <= c.count; id++) {
      const area = c.sizes[id] * pxArea;
      if (area < 80 || area > 700) continue;
      const off = Math.abs(ci[id] - body.midI[k]);
      if (off > tolerance * body.width[k]) continue;
      const bb = c.bboxes[id];
      const w = (bb[3] - bb[0] + 1) * spacing[0];
      const h = (bb[4] - bb[1] + 1) * spacing[1];
      if (Math.max(w, h) / Math.min(w, h) > 2.2) continue;
      if (!best || off < Math.abs(ci[best] - body.midI[k])) best = id;
    }
    if (!best) continue;
    const region = new Uint8Array(nxy);
    for (let p = 0; p < nxy; p++) region[p] = c.labels[p] === best ? 1 : 0;
    return { k, region, area: c.sizes[best] };
  }
  return undefined;
}

/**
 * Fraction of sample points `step` pixels around a component that are aerated lung (air but not lumen). The
 * component's holes are filled first: noisy lumen pixels above the lumen threshold inside the trachea are not lung.
 */
function lungAround(
  labels: Int32Array,
  id: number,
  air: Uint8Array,
  lumen: Uint8Array,
  off: number,
  nx: number,
  ny: number,
  step: number,
): number {
  const own = new Uint8Array(labels.length);
  for (let p = 0; p < labels.length; p++) if (labels[p] === id) own[p] = 1;
  const inside = fillHoles2d(own, [nx, ny, 1]);
  let total = 0;
  let lung = 0;
  for (let p = 0; p < labels.length; p++) {
    if (!own[p]) continue;
    const j = (p / nx) | 0;
    const i = p - j * nx;
    for (const [di, dj] of [
      [step, 0],
      [-step, 0],
      [0, step],
      [0, -step],
    ]) {
      const ii = i + di;
      const jj = j + dj;
      if (ii < 0 || jj < 0 || ii >= nx || jj >= ny) continue;
      const q = ii + jj * nx;
      if (inside[q]) continue;
      total++;
      if (air[off + q] && !lumen[off + q]) lung++;
    }
  }
  return total ? lung / total : 0;
}
