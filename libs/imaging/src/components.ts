import type { Vec3 } from './volume.js';

/** 6/18/26: 3D neighbourhoods; 4/8: in-plane only (components never cross slices). */
export type Connectivity = 4 | 8 | 6 | 18 | 26;

export interface Components {
  /** 0 background, 1..count component ids, ordered by first voxel in memory order. */
  labels: Int32Array;
  count: number;
  /** sizes[id] in voxels (sizes[0] unused). */
  sizes: Float64Array;
  /** bbox[id] = [i0, j0, k0, i1, j1, k1] inclusive. */
  bboxes: Int32Array[];
}

/** Neighbour offsets (di, dj, dk) of a connectivity. */
export function neighbourOffsets(conn: Connectivity): Int8Array {
  const out: number[] = [];
  const planar = conn === 4 || conn === 8;
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const n = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (n === 0 || (planar && dk !== 0)) continue;
        if ((conn === 4 || conn === 6) && n > 1) continue;
        if (conn === 18 && n > 2) continue;
        out.push(di, dj, dk);
      }
  return Int8Array.from(out);
}

/** Connected components of the non-zero voxels of `mask`. */
export function labelComponents(mask: ArrayLike<number>, dims: Vec3, conn: Connectivity = 6): Components {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const n = nxy * nz;
  const labels = new Int32Array(n);
  const offs = neighbourOffsets(conn);
  const no = offs.length / 3;
  const delta = new Int32Array(no);
  for (let t = 0; t < no; t++) delta[t] = offs[3 * t] + nx * offs[3 * t + 1] + nxy * offs[3 * t + 2];
  let stack = new Int32Array(Math.min(n, 1 << 16));
  const sizes: number[] = [0];
  const bboxes: Int32Array[] = [new Int32Array(6)];
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (!mask[s] || labels[s]) continue;
    const id = ++count;
    const bb = Int32Array.of(nx, ny, nz, -1, -1, -1);
    let size = 0;
    let top = 0;
    stack[top++] = s;
    labels[s] = id;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const k = (p / nxy) | 0;
      const r = p - k * nxy;
      const j = (r / nx) | 0;
      const i = r - j * nx;
      if (i < bb[0]) bb[0] = i;
      if (j < bb[1]) bb[1] = j;
      if (k < bb[2]) bb[2] = k;
      if (i > bb[3]) bb[3] = i;
      if (j > bb[4]) bb[4] = j;
      if (k > bb[5]) bb[5] = k;
      const interior = i > 0 && j > 0 && k > 0 && i < nx - 1 && j < ny - 1 && k < nz - 1;
      for (let t = 0; t < no; t++) {
        if (!interior) {
          const ii = i + offs[3 * t];
          const jj = j + offs[3 * t + 1];
          const kk = k + offs[3 * t + 2];
          if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
        }
        const q = p + delta[t];
        if (mask[q] && !labels[q]) {
          labels[q] = id;
          if (top === stack.length) {
            const grown = new Int32Array(Math.min(n, stack.length * 2));
            grown.set(stack);
            stack = grown;
          }
          stack[top++] = q;
        }
      }
    }
    sizes.push(size);
    bboxes.push(bb);
  }
  return { labels, count, sizes: Float64Array.from(sizes), bboxes };
}

/** Ids of components sorted by decreasing size. */
export function idsBySize(c: Components): number[] {
  const ids = Array.from({ length: c.count }, (_, t) => t + 1);
  return ids.sort((a, b) => c.sizes[b] - c.sizes[a]);
}

/** Mask of the `keep` largest components (1 where kept). */
export function largestComponents(mask: ArrayLike<number>, dims: Vec3, conn: Connectivity = 6, keep = 1): Uint8Array {
  const c = labelComponents(mask, dims, conn);
  const chosen = new Uint8Array(c.count + 1);
  for (const id of idsBySize(c).slice(0, keep)) chosen[id] = 1;
  return selectLabels(c.labels, chosen);
}

/** Mask without components smaller than `minVoxels`. */
export function removeSmallComponents(
  mask: ArrayLike<number>,
  dims: Vec3,
  minVoxels: number,
  conn: Connectivity = 6,
): Uint8Array {
  const c = labelComponents(mask, dims, conn);
  const chosen = new Uint8Array(c.count + 1);
  for (let id = 1; id <= c.count; id++) chosen[id] = c.sizes[id] >= minVoxels ? 1 : 0;
  return selectLabels(c.labels, chosen);
}

/** 1 where `chosen[labels[p]]` is set. */
export function selectLabels(labels: Int32Array, chosen: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let p = 0; p < labels.length; p++) out[p] = chosen[labels[p]];
  return out;
}
