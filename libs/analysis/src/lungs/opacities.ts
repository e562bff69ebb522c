import {
  boundingBox,
  boxDims,
  convexHull2d,
  cropData,
  dilate,
  growBox,
  open,
  pasteData,
  type Vec3,
} from '@mic/imaging';
import { centroids, sliceComponents, sliceDims } from './slices.js';

export interface OpacityOptions {
  /** +1 when increasing i points to the patient's left. */
  iToLeft: number;
  /** Smallest region added whole, mm^2. */
  minAreaMm2: number;
  /** Partially aerated tissue (below this HU) connected to the lung joins it anywhere in the hull. */
  lowHu: number;
  /** Outside the hull, that tissue is searched this far from the lung, mm (dependent opacity along the wall). */
  rimMm: number;
}

/**
 * Dense opacities (consolidation) are above the air threshold and fall out of a threshold mask.
 * Per slice, regions inside the convex hull of one lung but outside it are added back when they lie on the
 * lateral/posterior side of that lung (the mediastinum, heart and aorta are medial) and are not pure soft tissue
 * (some voxels in the ground-glass band: liver dome and effusion are homogeneous water/soft tissue).
 * On the medial side only partially aerated tissue connected to the lung is added (hysteresis threshold).
 */
export function addDenseOpacities(
  hu: Float32Array,
  lungs: Uint8Array,
  label: number,
  allowed: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  o: OpacityOptions,
): number {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  // every step stays within the rim (plus the opening) of the lung: work on that box of each slice
  const reach = [0, 1].map((a) => Math.ceil(o.rimMm / spacing[a]) + 3);
  let added = 0;
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    const b = boundingBox(
      lungs.subarray(off, off + nxy).map((v) => (v === label ? 1 : 0)),
      [nx, ny, 1],
    );
    if (!b) continue;
    const box = growBox(b, [reach[0], reach[1], 0], [nx, ny, 1]);
    box[2] = box[5] = k;
    const part = {
      hu: cropData(hu, dims, box),
      lungs: cropData(lungs, dims, box),
      allowed: cropData(allowed, dims, box),
      dims: boxDims(box),
    };
    const n = addInSlice(part, label, spacing, o);
    if (n > 0) pasteData(lungs, dims, box, part.lungs);
    added += n;
  }
  return added;
}

interface SliceBox {
  hu: Float32Array;
  lungs: Uint8Array;
  allowed: Uint8Array;
  dims: Vec3;
}

function addInSlice(s: SliceBox, label: number, spacing: Vec3, o: OpacityOptions): number {
  const { hu, lungs, allowed, dims } = s;
  const [nx, ny] = dims;
  const nxy = nx * ny;
  const side = label === 2 ? o.iToLeft : -o.iToLeft;
  let added = 0;
  // a partial-volume rim voxel is mostly tissue only when voxels are large
  const coarse = spacing[0] >= 2;
  const one = new Uint8Array(nxy);
  let count = 0;
  let sumI = 0;
  let i0 = nx;
  let i1 = -1;
  for (let p = 0; p < nxy; p++) {
    one[p] = lungs[p] === label ? 1 : 0;
    if (one[p]) {
      const i = p % nx;
      count++;
      sumI += i;
      if (i < i0) i0 = i;
      if (i > i1) i1 = i;
    }
  }
  if (count < 10) return 0;
  const hull = convexHull2d(one, dims);
  const near = dilate(one, dims, spacing, o.rimMm, { planar: true });
  const cand = new Uint8Array(nxy);
  for (let p = 0; p < nxy; p++) cand[p] = hull[p] && !one[p] && allowed[p] && hu[p] < 150 ? 1 : 0;
  const c = sliceComponents(cand, dims, 0);
  if (c.count === 0) return 0;
  const { ci } = centroids(c, nx);
  const lungI = sumI / count;
  const margin = 0.15 * (i1 - i0 + 1);
  const ggo = new Float64Array(c.count + 1);
  for (let p = 0; p < nxy; p++) {
    const id = c.labels[p];
    if (!id) continue;
    if (hu[p] > -800 && hu[p] < -250) ggo[id]++;
  }
  const whole = new Uint8Array(c.count + 1);
  for (let id = 1; id <= c.count; id++) {
    if (c.sizes[id] * spacing[0] * spacing[1] < o.minAreaMm2) continue;
    // lateral and posterior regions with some ground glass: consolidation against the chest wall
    whole[id] = (ci[id] - lungI) * side >= -margin && ggo[id] / c.sizes[id] >= 0.1 ? 1 : 0;
  }
  // elsewhere only partially aerated tissue connected to the lung is lung; on coarse grids an opening drops the
  // one-voxel partial-volume rim (mostly tissue there) and keeps thicker bands such as dependent opacity
  const soft = new Uint8Array(nxy);
  for (let p = 0; p < nxy; p++) {
    const id = c.labels[p];
    if (id && whole[id]) {
      lungs[p] = label;
      one[p] = 1;
      added++;
    } else if (!one[p] && (id || (near[p] && allowed[p])) && hu[p] < o.lowHu) soft[p] = 1;
  }
  const thick = coarse ? openKeepingNecks(soft, dims, spacing) : soft;
  const stack: number[] = [];
  for (let p = 0; p < nxy; p++) if (one[p]) stack.push(p);
  while (stack.length) {
    const p = stack.pop() as number;
    const i = p % nx;
    for (const q of [i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, p - nx, p + nx]) {
      if (q < 0 || q >= nxy || !thick[q] || lungs[q]) continue;
      lungs[q] = label;
      added++;
      stack.push(q);
    }
  }
  return added;
}

/** Box opening by one voxel, survivors grown back by one voxel within the mask (necks and band edges kept). */
function openKeepingNecks(mask: Uint8Array, dims: Vec3, spacing: Vec3): Uint8Array {
  const box = { shape: 'box', planar: true } as const;
  const d = sliceDims(dims);
  const out = dilate(open(mask, d, spacing, spacing[0], box), d, spacing, spacing[0], box);
  for (let p = 0; p < out.length; p++) out[p] &= mask[p];
  return out;
}
