import { describe, expect, it } from '@jest/globals';
import { dilate, distanceSq, erode, open, type Vec3 } from '@mic/imaging';

/** Random blobs: a seeded noise mask, so edges, holes and single pixels all occur. */
function blobs(dims: Vec3, seed: number, density: number): Uint8Array {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let p = 0; p < m.length; p++) m[p] = rand() < density ? 1 : 0;
  // grow some pixels into runs so that erosion keeps something
  for (let p = 1; p < m.length; p++) if (m[p - 1] && rand() < 0.7) m[p] = 1;
  return m;
}

/** The definition: threshold of the 2D squared distance map. */
function reference(m: Uint8Array, dims: Vec3, sp: Vec3, r: number, erode: boolean): Uint8Array {
  const target = erode ? m.map((x) => 1 - x) : m;
  const d = distanceSq(target, dims, sp, [0, 1]);
  const r2 = r * r + 1e-6;
  return d.map((x, p) => (erode ? (m[p] && x > r2 ? 1 : 0) : x <= r2 ? 1 : 0)) as unknown as Uint8Array;
}

describe('planar disc morphology', () => {
  const cases: [Vec3, Vec3, number][] = [
    [[40, 33, 3], [0.703125, 0.703125, 1.25], 1.5],
    [[40, 33, 3], [0.703125, 0.703125, 1.25], 3.5],
    [[37, 41, 2], [1.40625, 1.40625, 1.25], 6],
    [[25, 30, 2], [0.8, 1.1, 2], 2.2],
    [[1, 30, 2], [1, 1, 1], 2],
    [[30, 1, 2], [1, 1, 1], 2],
  ];
  it('equals thresholding the per-slice distance map (anisotropic, edges, several radii)', () => {
    for (const [dims, sp, r] of cases)
      for (const density of [0.05, 0.3, 0.6]) {
        const m = blobs(dims, 11 + Math.round(100 * density), density);
        // an empty slice and a full slice too
        if (dims[2] > 2) m.fill(0, 0, dims[0] * dims[1]);
        if (dims[2] > 2) m.fill(1, 2 * dims[0] * dims[1]);
        for (const e of [true, false]) {
          const got = (e ? erode : dilate)(m, dims, sp, r, { planar: true });
          expect(Array.from(got)).toEqual(Array.from(reference(m, dims, sp, r, e)));
        }
      }
  });

  it('computes only within a given mask, and an opening within its own mask is the opening', () => {
    const dims: Vec3 = [40, 33, 3];
    const sp: Vec3 = [0.703125, 0.703125, 1.25];
    const m = blobs(dims, 21, 0.3);
    const within = blobs(dims, 77, 0.2);
    for (const op of [erode, dilate]) {
      const all = op(m, dims, sp, 2.5, { planar: true });
      const got = op(m, dims, sp, 2.5, { planar: true, within });
      expect(Array.from(got)).toEqual(Array.from(all, (v, p) => v & within[p]));
    }
    const plain = open(m, dims, sp, 1.5, { planar: true });
    expect(Array.from(open(m, dims, sp, 1.5, { planar: true, within: m }))).toEqual(Array.from(plain));
    expect(plain.some((v) => v)).toBe(true);
  });
});
