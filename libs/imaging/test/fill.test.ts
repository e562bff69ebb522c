import { describe, expect, it } from '@jest/globals';
import { fillHoles2d, type Vec3 } from '@mic/imaging';

/** The definition: per slice, background not 4-connected to the slice border becomes foreground. */
function reference(mask: Uint8Array, dims: Vec3): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = Uint8Array.from(mask);
  for (let k = 0; k < nz; k++) {
    const off = k * nx * ny;
    const seen = new Uint8Array(nx * ny);
    const stack: number[] = [];
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++)
        if ((i === 0 || j === 0 || i === nx - 1 || j === ny - 1) && !mask[off + i + j * nx]) {
          seen[i + j * nx] = 1;
          stack.push(i + j * nx);
        }
    while (stack.length) {
      const p = stack.pop()!;
      const i = p % nx;
      const j = (p - i) / nx;
      for (const [ii, jj] of [
        [i - 1, j],
        [i + 1, j],
        [i, j - 1],
        [i, j + 1],
      ]) {
        const q = ii + jj * nx;
        if (ii < 0 || jj < 0 || ii >= nx || jj >= ny || seen[q] || mask[off + q]) continue;
        seen[q] = 1;
        stack.push(q);
      }
    }
    for (let p = 0; p < nx * ny; p++) if (!seen[p]) out[off + p] = 1;
  }
  return out;
}

describe('2D hole filling', () => {
  it('equals the flood from the slice border on random rings and blobs, touching the edges or not', () => {
    let s = 5;
    const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
    for (const dims of [
      [30, 24, 6],
      [1, 9, 2],
      [9, 1, 2],
    ] as Vec3[]) {
      const [nx, ny, nz] = dims;
      const m = new Uint8Array(nx * ny * nz);
      for (let k = 1; k < nz; k++) {
        // a ring with a random gap, random specks, sometimes reaching the border
        const [ci, cj, r] = [rand() * nx, rand() * ny, 2 + rand() * 8];
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const d = Math.hypot(i - ci, j - cj);
            const ring = Math.abs(d - r) < 1 && !(k % 2 && i > ci && Math.abs(j - cj) < 1);
            m[i + nx * (j + ny * k)] = ring || rand() < 0.15 ? 1 : 0;
          }
      }
      expect(Array.from(fillHoles2d(m, dims))).toEqual(Array.from(reference(m, dims)));
    }
  });
});
