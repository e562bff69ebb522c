import { describe, expect, it } from '@jest/globals';
import { boundingBox, countNonZero, type Vec3 } from '@mic/imaging';

function brute(m: Uint8Array, [nx, ny, nz]: Vec3) {
  const b = [nx, ny, nz, -1, -1, -1];
  let n = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++)
        if (m[i + nx * (j + ny * k)]) {
          n++;
          [i, j, k].forEach((v, a) => {
            b[a] = Math.min(b[a], v);
            b[a + 3] = Math.max(b[a + 3], v);
          });
        }
  return { box: n ? b : null, n };
}

describe('bounding box and count of a mask', () => {
  it('match a voxel-by-voxel scan, on word-aligned rows and not', () => {
    let s = 3;
    const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
    for (const dims of [
      [16, 9, 5],
      [13, 7, 4],
    ] as Vec3[])
      for (const offset of [0, 1, 4]) {
        const n = dims[0] * dims[1] * dims[2];
        const buf = new Uint8Array(n + 8);
        const m = buf.subarray(offset, offset + n);
        for (let t = 0; t < 6; t++) m[Math.floor(rand() * n)] = 1 + Math.floor(rand() * 3);
        const want = brute(m, dims);
        expect(boundingBox(m, dims)).toEqual(want.box);
        expect(countNonZero(m)).toBe(want.n);
        expect(boundingBox(new Uint8Array(n), dims)).toBeNull();
      }
  });
});
