import { boundingBox, boxDims, growBox } from './crop.js';
import type { Vec3 } from './volume.js';

const INF = 1e20;

/** Squared 1D distance transform (Felzenszwalb & Huttenlocher) of f over n samples spaced `h` apart. */
function edt1d(f: Float64Array, d: Float64Array, n: number, h: number, v: Int32Array, z: Float64Array): void {
  const h2 = h * h;
  let k = 0;
  let first = -1;
  for (let q = 0; q < n; q++)
    if (f[q] < INF) {
      first = q;
      break;
    }
  if (first < 0) {
    for (let q = 0; q < n; q++) d[q] = INF;
    return;
  }
  v[0] = first;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = first + 1; q < n; q++) {
    if (f[q] >= INF) continue;
    let s: number;
    for (;;) {
      const p = v[k];
      s = (f[q] + h2 * q * q - (f[p] + h2 * p * p)) / (2 * h2 * (q - p));
      if (s <= z[k] && k > 0) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const p = v[k];
    d[q] = h2 * (q - p) * (q - p) + f[p];
  }
}

/** First pass on 0/INF values: squared distance to the nearest 0 along the line, by two linear scans. */
function binaryPass(out: Float32Array, base: number, st: number, len: number, h2: number): void {
  let last = -1;
  for (let q = 0; q < len; q++) {
    const i = base + q * st;
    if (out[i] === 0) last = q;
    else if (last >= 0) out[i] = h2 * (q - last) * (q - last);
  }
  last = -1;
  for (let q = len - 1; q >= 0; q--) {
    const i = base + q * st;
    if (out[i] === 0) last = q;
    else if (last >= 0) {
      const dd = h2 * (last - q) * (last - q);
      if (dd < out[i]) out[i] = dd;
    }
  }
}

const BLOCK = 16;

interface BlockBuffers {
  f: Float64Array;
  d: Float64Array;
  v: Int32Array;
  z: Float64Array;
  todo: Uint8Array;
}

/** The 1D transform of `count` adjacent lines (stride `st`, `len` samples) starting at `base`, as for one line. */
function blockPass(
  out: Float32Array,
  base: number,
  count: number,
  st: number,
  len: number,
  h: number,
  w: BlockBuffers,
) {
  const { f, d, v, z, todo } = w;
  todo.fill(0);
  for (let c = 0; c < count; c++) todo[c] = 2; // 2: no finite value yet, all zero so far (bit 1)
  for (let q = 0; q < len; q++) {
    const row = base + q * st;
    for (let c = 0; c < count; c++) {
      const x = out[row + c];
      f[c * len + q] = x >= INF ? INF : x;
      if (x < INF) todo[c] |= 1;
      if (x !== 0) todo[c] &= 1;
    }
  }
  for (let c = 0; c < count; c++) {
    // only lines with a finite value and a non-zero one change
    if (todo[c] !== 1) {
      todo[c] = 0;
      continue;
    }
    edt1d(f.subarray(c * len, (c + 1) * len), d, len, h, v, z);
    f.set(d.subarray(0, len), c * len);
  }
  for (let q = 0; q < len; q++) {
    const row = base + q * st;
    for (let c = 0; c < count; c++) if (todo[c]) out[row + c] = f[c * len + q] >= INF ? INF : f[c * len + q];
  }
}

/**
 * Squared Euclidean distance (mm^2) from every voxel to the nearest voxel where `feature` is non-zero,
 * along the given axes only (default all three; [0, 1] gives per-slice 2D distances).
 * Voxels with no feature voxel reachable get 1e20.
 */
export function distanceSq(
  feature: ArrayLike<number>,
  dims: Vec3,
  spacing: Vec3,
  axes: number[] = [0, 1, 2],
): Float32Array {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = feature[p] ? 0 : INF;
  const strides = [1, nx, nx * ny];
  const m = Math.max(nx, ny, nz);
  const f = new Float64Array(m);
  const d = new Float64Array(m);
  const v = new Int32Array(m);
  const z = new Float64Array(m + 1);
  const block = { f: new Float64Array(BLOCK * m), d, v, z, todo: new Uint8Array(BLOCK) };
  let first = true;
  for (const axis of axes) {
    const len = dims[axis];
    if (len === 1) continue;
    const st = strides[axis];
    const o1 = axis === 0 ? 1 : 0;
    const o2 = axis === 2 ? 1 : 2;
    const h2 = spacing[axis] * spacing[axis];
    for (let b = 0; b < dims[o2]; b++) {
      if (!first && o1 === 0) {
        // lines next to each other in memory, BLOCK at a time: rows are read and written whole
        for (let a = 0; a < dims[0]; a += BLOCK)
          blockPass(out, a + b * strides[o2], Math.min(BLOCK, dims[0] - a), st, len, spacing[axis], block);
        continue;
      }
      for (let a = 0; a < dims[o1]; a++) {
        const base = a * strides[o1] + b * strides[o2];
        if (first) {
          binaryPass(out, base, st, len, h2);
          continue;
        }
        let any = false;
        let all = true;
        for (let q = 0; q < len; q++) {
          const x = out[base + q * st];
          f[q] = x >= INF ? INF : x;
          if (x < INF) any = true;
          if (x !== 0) all = false;
        }
        if (!any || all) continue;
        edt1d(f, d, len, spacing[axis], v, z);
        for (let q = 0; q < len; q++) out[base + q * st] = d[q] >= INF ? INF : d[q];
      }
    }
    first = false;
  }
  return out;
}

/**
 * Squared distance (mm^2) of each foreground voxel of `mask` to the nearest background voxel (0 outside the mask),
 * along `axes`. Background beyond the mask's box is never nearer than the ring just around it, so the transform
 * runs on that box grown by one voxel (per slice when the axes are in-plane).
 */
export function distanceSqToBackground(
  mask: ArrayLike<number>,
  dims: Vec3,
  spacing: Vec3,
  axes: number[] = [0, 1, 2],
): Float32Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const out = new Float32Array(nxy * nz);
  const planar = !axes.includes(2) && nz > 1;
  for (let k = 0; k < (planar ? nz : 1); k++) {
    const part = planar ? subarrayOf(mask, k * nxy, (k + 1) * nxy) : mask;
    const pdims: Vec3 = planar ? [nx, ny, 1] : dims;
    const box = boundingBox(part, pdims);
    if (!box) continue;
    const b = growBox(box, [1, 1, 1], pdims);
    const [cx, cy, cz] = boxDims(b);
    const bg = new Uint8Array(cx * cy * cz);
    for (let z = 0, q = 0; z < cz; z++)
      for (let y = 0; y < cy; y++)
        for (let x = 0, p = ((b[2] + z) * ny + b[1] + y) * nx + b[0]; x < cx; x++, p++, q++) bg[q] = part[p] ? 0 : 1;
    const d = distanceSq(bg, [cx, cy, cz], spacing, axes);
    const off = planar ? k * nxy : 0;
    for (let z = 0, q = 0; z < cz; z++)
      for (let y = 0; y < cy; y++)
        for (let x = 0, p = ((b[2] + z) * ny + b[1] + y) * nx + b[0]; x < cx; x++, p++, q++)
          if (!bg[q]) out[off + p] = d[q];
  }
  return out;
}

function subarrayOf(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  const typed = a as Uint8Array;
  return typeof typed.subarray === 'function' ? typed.subarray(from, to) : Array.prototype.slice.call(a, from, to);
}

/** Euclidean distance (mm) of each foreground voxel of `mask` to the nearest background voxel (0 outside mask). */
export function distanceToBackground(
  mask: ArrayLike<number>,
  dims: Vec3,
  spacing: Vec3,
  axes?: number[],
): Float32Array {
  const d = distanceSqToBackground(mask, dims, spacing, axes);
  for (let p = 0; p < d.length; p++) if (d[p] > 0) d[p] = Math.sqrt(d[p]);
  return d;
}
