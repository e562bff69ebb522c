import { distanceToBackground, fillHoles2d, idsBySize, type Vec3 } from '@mic/imaging';
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
}

/** Largest 2D component of tissue above `thresholdHu` per slice, holes filled: the patient without table or air. */
export function bodyMask(hu: Float32Array, dims: Vec3, spacing: Vec3, thresholdHu: number): Body {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const tissue = new Uint8Array(hu.length);
  for (let p = 0; p < hu.length; p++) tissue[p] = hu[p] > thresholdHu ? 1 : 0;
  const mask = new Uint8Array(hu.length);
  const midI = new Float64Array(nz).fill(NaN);
  const width = new Float64Array(nz);
  for (let k = 0; k < nz; k++) {
    const c = sliceComponents(tissue, dims, k);
    if (c.count === 0) continue;
    const id = idsBySize(c)[0];
    const one = new Uint8Array(nxy);
    for (let p = 0; p < nxy; p++) one[p] = c.labels[p] === id ? 1 : 0;
    mask.set(fillHoles2d(one, sliceDims(dims)), k * nxy);
    midI[k] = centroids(c, nx).ci[id];
    width[k] = c.bboxes[id][3] - c.bboxes[id][0] + 1;
  }
  return { mask, midI, width, depth: distanceToBackground(mask, dims, spacing, [0, 1]) };
}
