import { describe, expect, it } from '@jest/globals';
import { labelComponents, neighbourOffsets, type Connectivity, type Vec3 } from '@mic/imaging';

/** Flood fill from each unlabelled voxel in memory order: the definition of the labels, sizes and boxes. */
function reference(mask: Uint8Array, dims: Vec3, conn: Connectivity) {
  const [nx, ny, nz] = dims;
  const offs = neighbourOffsets(conn);
  const labels = new Int32Array(mask.length);
  const sizes = [0];
  const boxes: number[][] = [[]];
  for (let s = 0; s < mask.length; s++) {
    if (!mask[s] || labels[s]) continue;
    const id = sizes.length;
    const bb = [nx, ny, nz, -1, -1, -1];
    let size = 0;
    const stack = [s];
    labels[s] = id;
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const i = p % nx;
      const j = Math.floor(p / nx) % ny;
      const k = Math.floor(p / (nx * ny));
      [i, j, k].forEach((v, a) => {
        bb[a] = Math.min(bb[a], v);
        bb[a + 3] = Math.max(bb[a + 3], v);
      });
      for (let t = 0; t < offs.length; t += 3) {
        const [ii, jj, kk] = [i + offs[t], j + offs[t + 1], k + offs[t + 2]];
        if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
        const q = ii + nx * (jj + ny * kk);
        if (mask[q] && !labels[q]) {
          labels[q] = id;
          stack.push(q);
        }
      }
    }
    sizes.push(size);
    boxes.push(bb);
  }
  return { labels, count: sizes.length - 1, sizes, boxes };
}

function noise(n: number, seed: number, density: number): Uint8Array {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const m = new Uint8Array(n);
  for (let p = 0; p < n; p++) m[p] = rand() < density ? 1 : 0;
  for (let p = 1; p < n; p++) if (m[p - 1] && rand() < 0.5) m[p] = 1;
  return m;
}

describe('connected components by runs', () => {
  it('give the flood-fill labels, sizes and boxes for every connectivity', () => {
    const shapes: Vec3[] = [
      [17, 13, 9],
      [1, 20, 7],
      [23, 1, 5],
      [12, 11, 1],
    ];
    for (const dims of shapes)
      for (const density of [0.1, 0.35, 0.6])
        for (const conn of [4, 8, 6, 18, 26] as Connectivity[]) {
          const m = noise(dims[0] * dims[1] * dims[2], 3 + Math.round(density * 50), density);
          const got = labelComponents(m, dims, conn);
          const want = reference(m, dims, conn);
          expect(got.count).toBe(want.count);
          expect(Array.from(got.labels)).toEqual(Array.from(want.labels));
          expect(Array.from(got.sizes)).toEqual(want.sizes);
          expect(got.bboxes.slice(1).map((b) => Array.from(b))).toEqual(want.boxes.slice(1));
        }
  });
});
