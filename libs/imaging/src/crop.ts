import type { Vec3, VoxelArray } from './volume.js';

/** Inclusive voxel box [i0, j0, k0, i1, j1, k1]. */
export type Box = [number, number, number, number, number, number];

/** A 32-bit view of a byte mask whose rows of `nx` bytes start on word boundaries (zero rows skip 4 bytes a step). */
function wordsOf(mask: ArrayLike<number>, nx: number): Uint32Array | null {
  if (!(mask instanceof Uint8Array) || mask.byteOffset % 4 !== 0 || nx % 4 !== 0) return null;
  return new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2);
}

/** Bounding box of the non-zero voxels, or null when there are none. */
export function boundingBox(mask: ArrayLike<number>, dims: Vec3): Box | null {
  const [nx, ny, nz] = dims;
  const b: Box = [nx, ny, nz, -1, -1, -1];
  const words = wordsOf(mask, nx);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      const row = (k * ny + j) * nx;
      if (words) {
        let t = row >> 2;
        const end = (row + nx) >> 2;
        while (t < end && words[t] === 0) t++;
        if (t === end) continue;
      }
      let lo = 0;
      while (lo < nx && !mask[row + lo]) lo++;
      if (lo === nx) continue;
      let hi = nx - 1;
      while (!mask[row + hi]) hi--;
      if (lo < b[0]) b[0] = lo;
      if (hi > b[3]) b[3] = hi;
      if (j < b[1]) b[1] = j;
      if (j > b[4]) b[4] = j;
      if (k < b[2]) b[2] = k;
      b[5] = k;
    }
  return b[5] < 0 ? null : b;
}

/** Number of non-zero voxels. */
export function countNonZero(mask: Uint8Array): number {
  const words = wordsOf(mask, 4);
  let n = 0;
  if (!words) {
    for (let p = 0; p < mask.length; p++) if (mask[p]) n++;
    return n;
  }
  for (let t = 0; t < words.length; t++) if (words[t] !== 0) for (let p = 4 * t; p < 4 * t + 4; p++) if (mask[p]) n++;
  for (let p = 4 * words.length; p < mask.length; p++) if (mask[p]) n++;
  return n;
}

/** The box grown by `margin` voxels along each axis, clipped to the volume. */
export function growBox(b: Box, margin: Vec3, dims: Vec3): Box {
  return [
    Math.max(0, b[0] - margin[0]),
    Math.max(0, b[1] - margin[1]),
    Math.max(0, b[2] - margin[2]),
    Math.min(dims[0] - 1, b[3] + margin[0]),
    Math.min(dims[1] - 1, b[4] + margin[1]),
    Math.min(dims[2] - 1, b[5] + margin[2]),
  ];
}

export function boxDims(b: Box): Vec3 {
  return [b[3] - b[0] + 1, b[4] - b[1] + 1, b[5] - b[2] + 1];
}

/** The voxels of box `b`, contiguous, in an array of the source's type. */
export function cropData<T extends VoxelArray>(src: T, dims: Vec3, b: Box): T {
  const [cx, cy, cz] = boxDims(b);
  const out = new (src.constructor as { new (n: number): T })(cx * cy * cz);
  for (let k = 0, q = 0; k < cz; k++)
    for (let j = 0; j < cy; j++, q += cx) {
      const row = ((b[2] + k) * dims[1] + b[1] + j) * dims[0] + b[0];
      out.set(src.subarray(row, row + cx), q);
    }
  return out;
}

/** Writes `part` (the voxels of box `b`, as cropData gives them) into `dst`. */
export function pasteData<T extends VoxelArray>(dst: T, dims: Vec3, b: Box, part: T): void {
  const [cx, cy, cz] = boxDims(b);
  for (let k = 0, q = 0; k < cz; k++)
    for (let j = 0; j < cy; j++, q += cx)
      dst.set(part.subarray(q, q + cx), ((b[2] + k) * dims[1] + b[1] + j) * dims[0] + b[0]);
}
