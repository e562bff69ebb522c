import type { Vec3 } from './volume.js';

const INF = 1e20;

/**
 * Per-slice erosion or dilation by a disc of `radiusMm`, with the same result as thresholding the 2D squared
 * distance map of `distanceSq` (same float32 rounding, same `r^2 + 1e-6` bound), but only rows within the radius
 * are looked at and only the mask's bounding box (plus the radius) of each slice is visited.
 */
export function planarBall(mask: Uint8Array, dims: Vec3, spacing: Vec3, radiusMm: number, erode: boolean): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Uint8Array(mask.length);
  const r2 = radiusMm * radiusMm + 1e-6;
  const hx2 = spacing[0] * spacing[0];
  const hy2 = spacing[1] * spacing[1];
  // beyond these offsets a pixel is farther than the radius whatever the rounding
  const ri = Math.floor(radiusMm / spacing[0]) + 2;
  const rj = Math.floor(radiusMm / spacing[1]) + 1;
  const dj2 = new Float64Array(rj + 1);
  for (let t = 0; t <= rj; t++) dj2[t] = hy2 * t * t;
  const row = new Float32Array(nxy);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    let i0 = nx;
    let i1 = -1;
    let j0 = ny;
    let j1 = -1;
    for (let j = 0; j < ny; j++) {
      const base = off + j * nx;
      let lo = -1;
      for (let i = 0; i < nx; i++)
        if (mask[base + i]) {
          lo = i;
          break;
        }
      if (lo < 0) continue;
      let hi = lo;
      for (let i = nx - 1; i > lo; i--)
        if (mask[base + i]) {
          hi = i;
          break;
        }
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
    // squared distance along the row to the nearest target pixel (background to erode, mask to dilate)
    for (let j = b0; j <= b1; j++) {
      const base = j * nx;
      let last = -1;
      for (let i = a0; i <= a1; i++) {
        const target = mask[off + base + i] ? !erode : erode;
        if (target) {
          last = i;
          row[base + i] = 0;
        } else row[base + i] = last < 0 ? INF : hx2 * (i - last) * (i - last);
      }
      last = -1;
      for (let i = a1; i >= a0; i--) {
        const target = mask[off + base + i] ? !erode : erode;
        if (target) last = i;
        else if (last >= 0) {
          const d = hx2 * (last - i) * (last - i);
          if (d < row[base + i]) row[base + i] = d;
        }
      }
    }
    for (let j = b0; j <= b1; j++) {
      const lo = Math.max(b0, j - rj);
      const hi = Math.min(b1, j + rj);
      for (let i = a0; i <= a1; i++) {
        const p = j * nx + i;
        const m = mask[off + p];
        if (erode ? !m : m) {
          out[off + p] = m;
          continue;
        }
        let near = false;
        for (let jj = lo; jj <= hi; jj++) {
          const dj = jj > j ? jj - j : j - jj;
          if (Math.fround(dj2[dj] + row[jj * nx + i]) <= r2) {
            near = true;
            break;
          }
        }
        out[off + p] = erode ? (near ? 0 : 1) : near ? 1 : 0;
      }
    }
  }
  return out;
}
