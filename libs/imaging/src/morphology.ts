import { distanceSq } from './distance.js';
import { planarBall } from './disc.js';
import type { Vec3 } from './volume.js';

/**
 * Binary morphology on Uint8 masks. Radii are in millimetres, so anisotropic voxels are handled.
 * `ball` uses the exact Euclidean distance transform; `box` is separable running counts.
 * `planar` restricts the structuring element to the slice (2D per-slice operation).
 * Outside the volume counts neither as foreground nor background: masks touching the edge are not eroded from it.
 */
export interface MorphOptions {
  shape?: 'ball' | 'box';
  planar?: boolean;
  /** The result is needed only here: other voxels come out 0 (and are not computed for a planar ball). */
  within?: Uint8Array;
}

function restrict(out: Uint8Array, within?: Uint8Array): Uint8Array {
  if (within) for (let p = 0; p < out.length; p++) out[p] &= within[p] ? 1 : 0;
  return out;
}

function axesOf(o: MorphOptions): number[] {
  return o.planar ? [0, 1] : [0, 1, 2];
}

export function dilate(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  radiusMm: number,
  o: MorphOptions = {},
): Uint8Array {
  if ((o.shape ?? 'ball') === 'box')
    return restrict(boxFilter(mask, dims, spacing, radiusMm, axesOf(o), false), o.within);
  if (o.planar || dims[2] === 1)
    return planarBall(mask, dims, spacing, radiusMm * radiusMm + 1e-6, false, false, o.within);
  const d = distanceSq(mask, dims, spacing, axesOf(o));
  const r2 = radiusMm * radiusMm + 1e-6;
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = d[p] <= r2 ? 1 : 0;
  return restrict(out, o.within);
}

export function erode(mask: Uint8Array, dims: Vec3, spacing: Vec3, radiusMm: number, o: MorphOptions = {}): Uint8Array {
  if ((o.shape ?? 'ball') === 'box')
    return restrict(boxFilter(mask, dims, spacing, radiusMm, axesOf(o), true), o.within);
  if (o.planar || dims[2] === 1)
    return planarBall(mask, dims, spacing, radiusMm * radiusMm + 1e-6, true, false, o.within);
  const bg = new Uint8Array(mask.length);
  for (let p = 0; p < bg.length; p++) bg[p] = mask[p] ? 0 : 1;
  const d = distanceSq(bg, dims, spacing, axesOf(o));
  const r2 = radiusMm * radiusMm + 1e-6;
  const out = new Uint8Array(mask.length);
  for (let p = 0; p < out.length; p++) out[p] = mask[p] && d[p] > r2 ? 1 : 0;
  return restrict(out, o.within);
}

export function open(mask: Uint8Array, dims: Vec3, spacing: Vec3, radiusMm: number, o: MorphOptions = {}): Uint8Array {
  return dilate(erode(mask, dims, spacing, radiusMm, { ...o, within: undefined }), dims, spacing, radiusMm, o);
}

export function close(mask: Uint8Array, dims: Vec3, spacing: Vec3, radiusMm: number, o: MorphOptions = {}): Uint8Array {
  return erode(dilate(mask, dims, spacing, radiusMm, { ...o, within: undefined }), dims, spacing, radiusMm, o);
}

/** Separable box min/max: a voxel is set when all (erode) or any (dilate) voxels of its box window are set. */
function boxFilter(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  radiusMm: number,
  axes: number[],
  all: boolean,
): Uint8Array {
  let cur: Uint8Array = Uint8Array.from(mask);
  const strides = [1, dims[0], dims[0] * dims[1]];
  for (const axis of axes) {
    const r = Math.floor(radiusMm / spacing[axis] + 1e-9);
    const len = dims[axis];
    if (r < 1 || len === 1) continue;
    const next = new Uint8Array(cur.length);
    const st = strides[axis];
    const o1 = axis === 0 ? 1 : 0;
    const o2 = axis === 2 ? 1 : 2;
    for (let b = 0; b < dims[o2]; b++)
      for (let a = 0; a < dims[o1]; a++) {
        const base = a * strides[o1] + b * strides[o2];
        // running count of set voxels in [q - r, q + r] clipped to the line
        let cnt = 0;
        for (let q = 0; q < Math.min(r, len); q++) cnt += cur[base + q * st];
        for (let q = 0; q < len; q++) {
          if (q + r < len) cnt += cur[base + (q + r) * st];
          if (q - r - 1 >= 0) cnt -= cur[base + (q - r - 1) * st];
          const width = Math.min(len - 1, q + r) - Math.max(0, q - r) + 1;
          next[base + q * st] = all ? (cnt === width ? 1 : 0) : cnt > 0 ? 1 : 0;
        }
      }
    cur = next;
  }
  return cur;
}

/**
 * Mask voxels whose squared in-plane distance to the nearest background voxel of their slice is at least
 * `depth2` mm^2 (as distanceSq would give it), without a distance map.
 */
export function deepInPlane(mask: Uint8Array, dims: Vec3, spacing: Vec3, depth2: number): Uint8Array {
  return planarBall(mask, dims, spacing, depth2, true, true);
}
