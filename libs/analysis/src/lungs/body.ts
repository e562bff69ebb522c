import { distanceToBackground, fillHoles2d, idsBySize, labelComponents, type Vec3 } from '@mic/imaging';
import { centroids, sliceComponents, sliceDims } from './slices.js';

export interface Body {
  /** Filled body per slice (lungs and airways inside it). */
  mask: Uint8Array;
  /** Body centre column per slice (NaN where the slice has no body). */
  midI: Float64Array;
  /** Body width in voxels per slice. */
  width: Float64Array;
  /** In-plane distance (mm) of each voxel from the outside of the filled body. */
  depth: Float32Array;
  /** 1 for slices where the field of view is narrower than the body (its centre is where the crop put it). */
  cut: Uint8Array;
}

/** Below this HU a voxel is gas (outside air, bowel gas), not aerated lung. */
const GAS_HU = -950;

/**
 * Largest 2D component of tissue above `thresholdHu` per slice, holes filled: the patient without table or air.
 * Where the field of view is narrower than the body (the body touches the image edge), a lung reaching the edge is
 * no hole: low-density regions touching the edge count as body unless they are mostly gas (outside air).
 */
export function bodyMask(hu: Float32Array, dims: Vec3, spacing: Vec3, thresholdHu: number): Body {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const tissue = new Uint8Array(hu.length);
  for (let p = 0; p < hu.length; p++) tissue[p] = hu[p] > thresholdHu ? 1 : 0;
  const mask = new Uint8Array(hu.length);
  const midI = new Float64Array(nz).fill(NaN);
  const width = new Float64Array(nz);
  const cut = new Uint8Array(nz);
  for (let k = 0; k < nz; k++) {
    const c = sliceComponents(tissue, dims, k);
    if (c.count === 0) continue;
    const id = idsBySize(c)[0];
    const one = new Uint8Array(nxy);
    for (let p = 0; p < nxy; p++) one[p] = c.labels[p] === id ? 1 : 0;
    const filled = fillHoles2d(one, sliceDims(dims));
    const bb = c.bboxes[id];
    // cut by the field of view: the body, not just the table under it, runs along the image edge
    cut[k] = edgeFraction(one, nx, ny) >= 0.2 ? 1 : 0;
    if (cut[k]) addCutLungs(filled, hu.subarray(k * nxy, (k + 1) * nxy), dims);
    mask.set(filled, k * nxy);
    midI[k] = centroids(c, nx).ci[id];
    width[k] = bb[3] - bb[0] + 1;
  }
  return { mask, midI, width, depth: distanceToBackground(mask, dims, spacing, [0, 1]), cut };
}

/** Fraction of the pixels on the edge of a slice that are set. */
function edgeFraction(mask: Uint8Array, nx: number, ny: number): number {
  let n = 0;
  for (let i = 0; i < nx; i++) n += mask[i] + mask[i + (ny - 1) * nx];
  for (let j = 1; j < ny - 1; j++) n += mask[j * nx] + mask[j * nx + nx - 1];
  return n / (2 * nx + 2 * ny - 4);
}

/**
 * Adds to a filled body slice the regions outside it that touch the image edge, are not mostly gas (outside air)
 * and are bounded by the body alone within the image (not air between the back and the table or a blanket).
 */
function addCutLungs(filled: Uint8Array, hu: Float32Array, dims: Vec3): void {
  const [nx, ny] = dims;
  const rest = new Uint8Array(filled.length);
  for (let p = 0; p < rest.length; p++) rest[p] = filled[p] ? 0 : 1;
  const c = labelComponents(rest, sliceDims(dims), 4);
  const gas = new Float64Array(c.count + 1);
  const rim = new Float64Array(c.count + 1);
  const bodyRim = new Float64Array(c.count + 1);
  for (let p = 0; p < rest.length; p++) {
    const id = c.labels[p];
    if (!id) continue;
    if (hu[p] < GAS_HU) gas[id]++;
    const i = p % nx;
    for (const q of [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, p - nx, p + nx]) {
      if (q < 0 || q >= rest.length || c.labels[q] === id) continue;
      rim[id]++;
      if (filled[q]) bodyRim[id]++;
    }
  }
  const add = new Uint8Array(c.count + 1);
  for (let id = 1; id <= c.count; id++) {
    const b = c.bboxes[id];
    const edge = b[0] === 0 || b[1] === 0 || b[3] === nx - 1 || b[4] === ny - 1;
    add[id] = edge && gas[id] / c.sizes[id] < 0.5 && bodyRim[id] >= 0.95 * rim[id] ? 1 : 0;
  }
  for (let p = 0; p < rest.length; p++) if (add[c.labels[p]]) filled[p] = 1;
}
