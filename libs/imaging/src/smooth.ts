import { boundingBox } from './crop.js';
import type { Vec3 } from './volume.js';

/** Separable 1D convolution of `data` along `axis` with a symmetric kernel (edge samples repeated). */
function convolveAxis(data: Float32Array, dims: Vec3, axis: number, kernel: Float64Array): Float32Array {
  const len = dims[axis];
  const r = (kernel.length - 1) / 2;
  if (len === 1 || r === 0) return data;
  const out = new Float32Array(data.length);
  const strides = [1, dims[0], dims[0] * dims[1]];
  const st = strides[axis];
  const o1 = axis === 0 ? 1 : 0;
  const o2 = axis === 2 ? 1 : 2;
  const line = new Float64Array(len + 2 * r);
  for (let b = 0; b < dims[o2]; b++)
    for (let a = 0; a < dims[o1]; a++) {
      const base = a * strides[o1] + b * strides[o2];
      for (let q = -r; q < len + r; q++) line[q + r] = data[base + Math.min(len - 1, Math.max(0, q)) * st];
      for (let q = 0; q < len; q++) {
        let s = 0;
        for (let t = 0; t < kernel.length; t++) s += kernel[t] * line[q + t];
        out[base + q * st] = s;
      }
    }
  return out;
}

function gaussianKernel(sigmaVox: number): Float64Array {
  const r = Math.max(0, Math.ceil(3 * sigmaVox));
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let t = -r; t <= r; t++) sum += k[t + r] = sigmaVox > 0 ? Math.exp(-(t * t) / (2 * sigmaVox * sigmaVox)) : 1;
  for (let t = 0; t < k.length; t++) k[t] /= sum;
  return k;
}

/** Gaussian smoothing with sigma in mm (per axis spacing honoured); `planar` smooths within slices only. */
export function gaussianSmooth(
  data: ArrayLike<number>,
  dims: Vec3,
  spacing: Vec3,
  sigmaMm: number,
  planar = false,
): Float32Array {
  let cur: Float32Array = Float32Array.from(data);
  for (const axis of planar ? [0, 1] : [0, 1, 2])
    cur = convolveAxis(cur, dims, axis, gaussianKernel(sigmaMm / spacing[axis]));
  return cur;
}

/** Mean over a (2r+1)^3 voxel box (r per axis), edges repeated. */
export function boxSmooth(data: ArrayLike<number>, dims: Vec3, radiusVox: Vec3): Float32Array {
  let cur: Float32Array = Float32Array.from(data);
  for (const axis of [0, 1, 2]) {
    const r = radiusVox[axis];
    cur = convolveAxis(cur, dims, axis, new Float64Array(2 * r + 1).fill(1 / (2 * r + 1)));
  }
  return cur;
}

/**
 * In-plane Gaussian smoothing (as gaussianSmooth with `planar`) computed only where `where` is set; other voxels
 * are 0. The values there are those of the full smoothing: the row pass covers the rows within the kernel of the
 * slice's `where` box, the column pass only the `where` runs.
 */
export function gaussianSmoothAt(
  data: ArrayLike<number>,
  dims: Vec3,
  spacing: Vec3,
  sigmaMm: number,
  where: Uint8Array,
): Float32Array {
  const [nx, ny, nz] = dims;
  const nxy = nx * ny;
  const kx = gaussianKernel(sigmaMm / spacing[0]);
  const ky = gaussianKernel(sigmaMm / spacing[1]);
  const rx = (kx.length - 1) / 2;
  const ry = ny === 1 ? 0 : (ky.length - 1) / 2;
  const out = new Float32Array(nxy * nz);
  const rows = new Float32Array(nxy);
  const line = new Float64Array(nx + 2 * rx);
  const acc = new Float64Array(nx);
  const runs = new Int32Array(nx + 1);
  for (let k = 0; k < nz; k++) {
    const off = k * nxy;
    const b = boundingBox(where.subarray(off, off + nxy), [nx, ny, 1]);
    if (!b) continue;
    const [i0, j0, , i1, j1] = b;
    for (let j = Math.max(0, j0 - ry); j <= Math.min(ny - 1, j1 + ry); j++) {
      const base = off + j * nx;
      if (nx === 1 || rx === 0) {
        for (let i = i0; i <= i1; i++) rows[j * nx + i] = data[base + i];
        continue;
      }
      for (let q = i0 - rx; q <= i1 + rx; q++)
        line[q + rx] = Math.fround(data[base + (q < 0 ? 0 : q >= nx ? nx - 1 : q)]);
      for (let q = i0; q <= i1; q++) {
        let s = 0;
        for (let t = 0; t < kx.length; t++) s += kx[t] * line[q + t];
        rows[j * nx + q] = s;
      }
    }
    for (let j = j0; j <= j1; j++) {
      const w = off + j * nx;
      if (ry === 0) {
        for (let i = i0; i <= i1; i++) if (where[w + i]) out[w + i] = rows[j * nx + i];
        continue;
      }
      // runs of `where` in this row: [runs[2t], runs[2t + 1])
      let nr = 0;
      for (let i = i0; i <= i1;) {
        while (i <= i1 && !where[w + i]) i++;
        if (i > i1) break;
        runs[nr++] = i;
        while (i <= i1 && where[w + i]) i++;
        runs[nr++] = i;
      }
      for (let u = 0; u < nr; u += 2) acc.fill(0, runs[u], runs[u + 1]);
      for (let t = 0; t < ky.length; t++) {
        const src = j + t - ry;
        const row = (src < 0 ? 0 : src >= ny ? ny - 1 : src) * nx;
        const kt = ky[t];
        for (let u = 0; u < nr; u += 2) for (let i = runs[u]; i < runs[u + 1]; i++) acc[i] += kt * rows[row + i];
      }
      for (let u = 0; u < nr; u += 2) for (let i = runs[u]; i < runs[u + 1]; i++) out[w + i] = acc[i];
    }
  }
  return out;
}
