import type { Vec3 } from './volume.js';

/** Fills background regions of each axial slice that do not reach the slice border (4-connected background). */
export function fillHoles2d(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = Uint8Array.from(mask);
  const seen = new Uint8Array(nxy);
  const stack = new Int32Array(nxy);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    seen.fill(0);
    let top = 0;
    const push = (p: number) => {
      if (!seen[p] && !mask[off + p]) {
        seen[p] = 1;
        stack[top++] = p;
      }
    };
    for (let i = 0; i < nx; i++) {
      push(i);
      push(i + (ny - 1) * nx);
    }
    for (let j = 0; j < ny; j++) {
      push(j * nx);
      push(nx - 1 + j * nx);
    }
    while (top > 0) {
      const p = stack[--top];
      const j = (p / nx) | 0;
      const i = p - j * nx;
      if (i > 0) push(p - 1);
      if (i < nx - 1) push(p + 1);
      if (j > 0) push(p - nx);
      if (j < ny - 1) push(p + nx);
    }
    for (let p = 0; p < nxy; p++) if (!seen[p]) out[off + p] = 1;
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
