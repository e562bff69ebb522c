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

/** Earlier rows (dj, dk) that can touch a run, and how far (0 or 1 voxel) beyond its ends in i. */
function previousRows(conn: Connectivity): number[] {
  const out: number[] = [];
  const offs = neighbourOffsets(conn);
  for (const dk of [-1, 0])
    for (const dj of [-1, 0, 1]) {
      if (dk === 0 && dj >= 0) continue;
      let reach = -1;
      for (let t = 0; t < offs.length; t += 3)
        if (offs[t + 1] === dj && offs[t + 2] === dk) reach = Math.max(reach, Math.abs(offs[t]));
      if (reach >= 0) out.push(dj, dk, reach);
    }
  return out;
}

/** Runs of non-zero voxels along i, row by row (row r = j + ny * k); runs of row r are first[r] .. first[r+1]-1. */
function runsOf(mask: ArrayLike<number>, nx: number, rows: number) {
  let start = new Int32Array(1024);
  let end = new Int32Array(1024);
  const first = new Int32Array(rows + 1);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    first[r] = n;
    const base = r * nx;
    for (let i = 0; i < nx;) {
      while (i < nx && !mask[base + i]) i++;
      if (i === nx) break;
      const s = i;
      while (i < nx && mask[base + i]) i++;
      if (n === start.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(2 * a.length);
          b.set(a);
          return b;
        };
        start = grow(start);
        end = grow(end);
      }
      start[n] = s;
      end[n++] = i - 1;
    }
  }
  first[rows] = n;
  return { start, end, first, n };
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/**
 * Connected components of the non-zero voxels of `mask`: runs along i joined by union-find with the runs of the
 * earlier neighbouring rows (the root of a component is its first run, so ids follow memory order).
 */
export function labelComponents(mask: ArrayLike<number>, dims: Vec3, conn: Connectivity = 6): Components {
  const [nx, ny, nz] = dims;
  const rows = ny * nz;
  const { start, end, first, n } = runsOf(mask, nx, rows);
  const parent = new Int32Array(n);
  for (let t = 0; t < n; t++) parent[t] = t;
  const prev = previousRows(conn);
  for (let r = 0; r < rows; r++) {
    const a0 = first[r];
    const a1 = first[r + 1];
    if (a0 === a1) continue;
    const j = r % ny;
    const k = (r - j) / ny;
    for (let t = 0; t < prev.length; t += 3) {
      const jj = j + prev[t];
      const kk = k + prev[t + 1];
      if (jj < 0 || jj >= ny || kk < 0) continue;
      const reach = prev[t + 2];
      const pr = jj + ny * kk;
      let b = first[pr];
      const b1 = first[pr + 1];
      for (let a = a0; a < a1 && b < b1; a++) {
        const lo = start[a] - reach;
        const hi = end[a] + reach;
        while (b < b1 && end[b] < lo) b++;
        for (let c = b; c < b1 && start[c] <= hi; c++) {
          const x = find(parent, a);
          const y = find(parent, c);
          if (x < y) parent[y] = x;
          else if (y < x) parent[x] = y;
        }
      }
    }
  }
  const labels = new Int32Array(nx * rows);
  const ids = new Int32Array(n);
  const sizes: number[] = [0];
  const bboxes: Int32Array[] = [new Int32Array(6)];
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const j = r % ny;
    const k = (r - j) / ny;
    for (let t = first[r]; t < first[r + 1]; t++) {
      const root = find(parent, t);
      let id: number;
      if (root === t) {
        id = ids[t] = ++count;
        sizes.push(0);
        bboxes.push(Int32Array.of(nx, ny, nz, -1, -1, -1));
      } else id = ids[t] = ids[root];
      const s = start[t];
      const e = end[t];
      labels.fill(id, r * nx + s, r * nx + e + 1);
      sizes[id] += e - s + 1;
      const bb = bboxes[id];
      if (s < bb[0]) bb[0] = s;
      if (j < bb[1]) bb[1] = j;
      if (k < bb[2]) bb[2] = k;
      if (e > bb[3]) bb[3] = e;
      if (j > bb[4]) bb[4] = j;
      if (k > bb[5]) bb[5] = k;
    }
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
