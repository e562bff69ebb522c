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
