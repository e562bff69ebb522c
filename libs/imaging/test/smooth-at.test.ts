import { describe, expect, it } from '@jest/globals';
import { gaussianSmooth, gaussianSmoothAt, type Vec3 } from '@mic/imaging';

describe('in-plane smoothing at chosen voxels', () => {
  it('gives the full in-plane smoothing where asked (edges included) and 0 elsewhere', () => {
    let s = 9;
    const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
    const cases: [Vec3, Vec3, number][] = [
      [[31, 27, 4], [0.703125, 0.703125, 1.25], 1.5],
      [[20, 1, 3], [1, 1, 1], 2],
      [[1, 20, 3], [1, 1, 1], 2],
      [[16, 18, 2], [0.6, 0.9, 2], 0],
    ];
    for (const [dims, sp, sigma] of cases) {
      const n = dims[0] * dims[1] * dims[2];
      const data = Int16Array.from({ length: n }, () => Math.round(rand() * 2000 - 1000));
      const where = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
      where.fill(0, 0, dims[0] * dims[1]); // an empty slice
      const full = gaussianSmooth(data, dims, sp, sigma, true);
      const got = gaussianSmoothAt(data, dims, sp, sigma, where);
      expect(Array.from(got)).toEqual(Array.from(full, (v, p) => (where[p] ? v : 0)));
    }
  });
});
