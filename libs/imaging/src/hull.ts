import type { Vec3 } from './volume.js';

function cross(ox: number, oy: number, ax: number, ay: number, bx: number, by: number): number {
  return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

/** Convex polygon (monotone chain) of the pixel corners of a 2D mask, as [x0, y0, x1, y1, ...]. */
function hullOf(mask: Uint8Array, off: number, nx: number, ny: number): number[] {
  // per row only the extreme pixels matter; use their outer corners
  const pts: number[][] = [];
  for (let j = 0; j < ny; j++) {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < nx; i++)
      if (mask[off + i + j * nx]) {
        if (lo < 0) lo = i;
        hi = i;
      }
    if (lo >= 0) pts.push([lo, j], [hi, j]);
  }
  if (pts.length === 0) return [];
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lower: number[][] = [];
  for (const p of pts) {
    while (lower.length >= 2) {
      const [a, b] = [lower[lower.length - 2], lower[lower.length - 1]];
      if (cross(a[0], a[1], b[0], b[1], p[0], p[1]) <= 0) lower.pop();
      else break;
    }
    lower.push(p);
  }
  const upper: number[][] = [];
  for (let t = pts.length - 1; t >= 0; t--) {
    const p = pts[t];
    while (upper.length >= 2) {
      const [a, b] = [upper[upper.length - 2], upper[upper.length - 1]];
      if (cross(a[0], a[1], b[0], b[1], p[0], p[1]) <= 0) upper.pop();
      else break;
    }
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1)).flat();
}

/** Per-slice filled convex hull of a mask (pixel centres inside or on the hull). */
export function convexHull2d(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Uint8Array(mask.length);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    const poly = hullOf(mask, off, nx, ny);
    const m = poly.length / 2;
    if (m === 0) continue;
    if (m < 3) {
      for (let p = 0; p < nxy; p++) out[off + p] = mask[off + p];
      continue;
    }
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let t = 0; t < m; t++) {
      y0 = Math.min(y0, poly[2 * t + 1]);
      y1 = Math.max(y1, poly[2 * t + 1]);
    }
    for (let j = y0; j <= y1; j++) {
      let xl = Infinity;
      let xr = -Infinity;
      for (let t = 0; t < m; t++) {
        const ax = poly[2 * t];
        const ay = poly[2 * t + 1];
        const bx = poly[2 * ((t + 1) % m)];
        const by = poly[2 * ((t + 1) % m) + 1];
        if ((ay <= j && by >= j) || (by <= j && ay >= j)) {
          if (ay === by) {
            xl = Math.min(xl, ax, bx);
            xr = Math.max(xr, ax, bx);
          } else {
            const x = ax + ((j - ay) * (bx - ax)) / (by - ay);
            xl = Math.min(xl, x);
            xr = Math.max(xr, x);
          }
        }
      }
      for (let i = Math.ceil(xl - 1e-9); i <= Math.floor(xr + 1e-9); i++) out[off + i + j * nx] = 1;
    }
  }
  return out;
}
