import { describe, expect, it } from '@jest/globals';
import { distanceSq, distanceSqToBackground, distanceToBackground, type Vec3 } from '@mic/imaging';

function blob(dims: Vec3, seed: number): Uint8Array {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const [nx, ny, nz] = dims;
  const m = new Uint8Array(nx * ny * nz);
  const [ci, cj, ck, r] = [rand() * nx, rand() * ny, rand() * nz, 3 + rand() * 6];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++)
        m[i + nx * (j + ny * k)] = Math.hypot(i - ci, j - cj, k - ck) < r && rand() < 0.9 ? 1 : 0;
  return m;
}

describe('distance to the background', () => {
  it('equals the full distance map of the background inside the mask, in-plane and in 3D', () => {
    const sp: Vec3 = [0.7, 0.9, 1.25];
    for (const dims of [
      [24, 20, 9],
      [12, 30, 1],
    ] as Vec3[])
      for (let seed = 1; seed <= 6; seed++) {
        const m = blob(dims, seed);
        if (seed === 6) m.fill(1, 0, dims[0] * dims[1]); // a full slice: no background in-plane
        const bg = m.map((x) => 1 - x);
        for (const axes of [
          [0, 1],
          [0, 1, 2],
        ]) {
          const want = distanceSq(bg, dims, sp, axes).map((d, p) => (m[p] ? d : 0));
          expect(Array.from(distanceSqToBackground(m, dims, sp, axes))).toEqual(Array.from(want));
          const root = distanceToBackground(m, dims, sp, axes);
          expect(Array.from(root)).toEqual(Array.from(want, (d) => Math.fround(Math.sqrt(d))));
        }
      }
  });
});
