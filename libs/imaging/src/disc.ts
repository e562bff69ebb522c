import type { Vec3 } from './volume.js';

const FAR = 1 << 30;

/**
 * Per slice, whether some target pixel (background when `erode`, else mask) lies within the bound of each pixel,
 * with the same float32 rounding as thresholding the 2D squared distance map of `distanceSq`: `v <= bound`, or
 * `v < bound` when `strict`. Only rows within reach are looked at, only the mask's box (plus the reach) of each
 * slice is visited, and the test per row is an integer compare of the in-row distance against a precomputed limit.
 * Returns the eroded mask (mask pixels with no target near) or the dilated one (pixels with a mask pixel near),
 * computed only where `within` is set when it is given (0 elsewhere).
 */
export function planarBall(
  mask: Uint8Array,
  dims: Vec3,
  spacing: Vec3,
  bound: number,
  erode: boolean,
  strict = false,
  within?: Uint8Array,
): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Uint8Array(mask.length);
  const hx2 = spacing[0] * spacing[0];
  const hy2 = spacing[1] * spacing[1];
  const near = (v: number) => (strict ? v < bound : v <= bound);
  // limit[dj]: the largest in-row distance (pixels) that is still near from dj rows away; -1: none
  const limit: number[] = [];
  for (let dj = 0; dj < ny; dj++) {
    const dy2 = hy2 * dj * dj;
    let g = -1;
    while (g + 1 < nx && near(Math.fround(dy2 + Math.fround(hx2 * (g + 1) * (g + 1))))) g++;
    if (g < 0) break;
    limit.push(g);
  }
  if (limit.length === 0) return erode ? Uint8Array.from(mask) : out;
  const rj = limit.length - 1;
  const ri = limit[0] + 1;
  const row = new Int32Array(nxy);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    let i0 = nx;
    let i1 = -1;
    let j0 = ny;
    let j1 = -1;
    for (let j = 0; j < ny; j++) {
      const base = off + j * nx;
      let lo = 0;
      while (lo < nx && !mask[base + lo]) lo++;
      if (lo === nx) continue;
      let hi = nx - 1;
      while (!mask[base + hi]) hi--;
      if (lo < i0) i0 = lo;
      if (hi > i1) i1 = hi;
      if (j < j0) j0 = j;
      j1 = j;
    }
    if (j1 < 0) continue;
    const a0 = Math.max(0, i0 - ri);
    const a1 = Math.min(nx - 1, i1 + ri);
    const b0 = Math.max(0, j0 - rj);
    const b1 = Math.min(ny - 1, j1 + rj);
    // in-row distance (pixels) to the nearest target pixel
    for (let j = b0; j <= b1; j++) {
      const base = j * nx;
      let last = -FAR;
      for (let i = a0; i <= a1; i++) {
        if ((mask[off + base + i] ? 1 : 0) !== (erode ? 1 : 0)) last = i;
        row[base + i] = i - last;
      }
      last = FAR;
      for (let i = a1; i >= a0; i--) {
        if ((mask[off + base + i] ? 1 : 0) !== (erode ? 1 : 0)) last = i;
        if (last - i < row[base + i]) row[base + i] = last - i;
      }
    }
    for (let j = b0; j <= b1; j++) {
      const lo = Math.max(b0, j - rj);
      const hi = Math.min(b1, j + rj);
      for (let i = a0; i <= a1; i++) {
        const p = j * nx + i;
        if (within && !within[off + p]) continue;
        const m = mask[off + p] ? 1 : 0;
        if (erode ? !m : m) {
          out[off + p] = m;
          continue;
        }
        let hit = false;
        for (let jj = lo; jj <= hi; jj++)
          if (row[jj * nx + i] <= limit[jj > j ? jj - j : j - jj]) {
            hit = true;
            break;
          }
        out[off + p] = erode === hit ? 0 : 1;
      }
    }
  }
  return out;
}
