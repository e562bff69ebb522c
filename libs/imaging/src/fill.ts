import { boundingBox } from './crop.js';
import type { Vec3 } from './volume.js';

/**
 * Fills background regions of each axial slice that do not reach the slice border (4-connected background).
 * Background outside the mask's box reaches the border in a straight line, so the flood runs inside that box
 * grown by one pixel, from its edge.
 */
export function fillHoles2d(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = Uint8Array.from(mask);
  const seen = new Uint8Array(nxy);
  const stack = new Int32Array(nxy);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    const b = boundingBox(mask.subarray(off, off + nxy), [nx, ny, 1]);
    if (!b) continue;
    const i0 = Math.max(0, b[0] - 1);
    const j0 = Math.max(0, b[1] - 1);
    const i1 = Math.min(nx - 1, b[3] + 1);
    const j1 = Math.min(ny - 1, b[4] + 1);
    for (let j = j0; j <= j1; j++) seen.fill(0, j * nx + i0, j * nx + i1 + 1);
    let top = 0;
    for (let j = j0; j <= j1; j++)
      for (let i = i0; i <= i1; i += j === j0 || j === j1 ? 1 : Math.max(1, i1 - i0)) {
        const p = i + j * nx;
        if (!seen[p] && !mask[off + p]) {
          seen[p] = 1;
          stack[top++] = p;
        }
      }
    while (top > 0) {
      const p = stack[--top];
      const j = (p / nx) | 0;
      const i = p - j * nx;
      for (let t = 0; t < 4; t++) {
        const q =
          t === 0
            ? i > i0
              ? p - 1
              : -1
            : t === 1
              ? i < i1
                ? p + 1
                : -1
              : t === 2
                ? j > j0
                  ? p - nx
                  : -1
                : j < j1
                  ? p + nx
                  : -1;
        if (q >= 0 && !seen[q] && !mask[off + q]) {
          seen[q] = 1;
          stack[top++] = q;
        }
      }
    }
    for (let j = b[1]; j <= b[4]; j++)
      for (let p = j * nx + b[0]; p <= j * nx + b[3]; p++) if (!seen[p]) out[off + p] = 1;
  }
  return out;
}

/** Fills 3D cavities: background not 6-connected to the volume boundary. */
export function fillHoles3d(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = nxy * nz;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  for (let p = 0; p < n; p++) {
    if (mask[p]) continue;
    const k = (p / nxy) | 0;
    const r = p - k * nxy;
    const j = (r / nx) | 0;
    const i = r - j * nx;
    if (i === 0 || j === 0 || k === 0 || i === nx - 1 || j === ny - 1 || k === nz - 1) {
      seen[p] = 1;
      stack[top++] = p;
    }
  }
  while (top > 0) {
    const p = stack[--top];
    const k = (p / nxy) | 0;
    const r = p - k * nxy;
    const j = (r / nx) | 0;
    const i = r - j * nx;
    const visit = (q: number) => {
      if (!seen[q] && !mask[q]) {
        seen[q] = 1;
        stack[top++] = q;
      }
    };
    if (i > 0) visit(p - 1);
    if (i < nx - 1) visit(p + 1);
    if (j > 0) visit(p - nx);
    if (j < ny - 1) visit(p + nx);
    if (k > 0) visit(p - nxy);
    if (k < nz - 1) visit(p + nxy);
  }
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) out[p] = mask[p] || !seen[p] ? 1 : 0;
  return out;
}
