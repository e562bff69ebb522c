import { normalizePatches, patchDim, readPatch } from './patches.js';
import { whitenRow, type Zca } from './whitening.js';

export type Encoder = 'triangle' | 'soft';

export interface PatchEncoding {
  r: number;
  /** Normalisation eps of normalizePatches, so encoding matches learning. */
  normEps: number;
  zca: Zca;
  /** Unit-norm centroids, k x dim. */
  centroids: Float32Array;
  k: number;
  encoder: Encoder;
  /** Soft-threshold alpha (Coates & Ng use 0.25-0.5 on whitened data). */
  alpha?: number;
}

/** Encodes one whitened row into out[oo .. oo+k). */
export function encodeRow(e: PatchEncoding, w: Float64Array, out: Float32Array, oo: number): void {
  const { k, centroids } = e;
  const dim = e.zca.dim;
  if (e.encoder === 'soft') {
    const alpha = e.alpha ?? 0.5;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += centroids[j * dim + d] * w[d];
      out[oo + j] = Math.max(0, s - alpha);
    }
    return;
  }
  // Triangle: f_j = max(0, mean(z) - z_j), z_j the Euclidean distance to centroid j.
  let xx = 0;
  for (let d = 0; d < dim; d++) xx += w[d] * w[d];
  let mean = 0;
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += centroids[j * dim + d] * w[d];
    const z = Math.sqrt(Math.max(0, xx + 1 - 2 * s));
    out[oo + j] = z;
    mean += z;
  }
  mean /= k;
  for (let j = 0; j < k; j++) out[oo + j] = Math.max(0, mean - out[oo + j]);
}

/**
 * Encodes the patch around every voxel where mask is set (a convolution with k whitened filters plus the encoder
 * non-linearity). Returns k feature maps, voxel-major: out[v * k + j]. Voxels too near the border or outside the
 * mask stay 0.
 */
export function encodeVolume(
  data: ArrayLike<number>,
  dims: [number, number, number],
  mask: Uint8Array,
  e: PatchEncoding,
): Float32Array {
  const [nx, ny, nz] = dims;
  const is3d = nz > 1;
  const dim = patchDim(e.r, is3d);
  if (dim !== e.zca.dim) throw new RangeError(`patch dim ${dim} != whitening dim ${e.zca.dim}`);
  const out = new Float32Array(nx * ny * nz * e.k);
  const p = new Float64Array(dim);
  const w = new Float64Array(dim);
  const r = e.r;
  const rz = is3d ? r : 0;
  for (let kk = rz; kk < nz - rz; kk++)
    for (let j = r; j < ny - r; j++)
      for (let i = r; i < nx - r; i++) {
        const v = i + nx * (j + ny * kk);
        if (!mask[v]) continue;
        readPatch(data, dims, r, is3d, v, p);
        normalizePatches(p, dim, e.normEps);
        whitenRow(e.zca, p, 0, w);
        encodeRow(e, w, out, v * e.k);
      }
  return out;
}

/**
 * Mean pooling of voxel-major features over a (2r+1)^2 in-plane window, counting only voxels inside the mask
 * (separable box sums per slice). Pixels outside the mask get 0.
 */
export function poolFeatures2D(
  f: Float32Array,
  k: number,
  dims: [number, number, number],
  mask: Uint8Array,
  r: number,
): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(f.length);
  const plane = nx * ny;
  const tmp = new Float64Array(plane * (k + 1));
  for (let z = 0; z < nz; z++) {
    const base = z * plane;
    // Horizontal pass: sums of features (k channels) and of the mask count (channel k).
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const t = (y * nx + x) * (k + 1);
        for (let dx = Math.max(0, x - r); dx <= Math.min(nx - 1, x + r); dx++) {
          const v = base + y * nx + dx;
          if (!mask[v]) continue;
          for (let j = 0; j < k; j++) tmp[t + j] += f[v * k + j];
          tmp[t + k] += 1;
        }
      }
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const v = base + y * nx + x;
        if (!mask[v]) continue;
        const acc = new Float64Array(k + 1);
        for (let dy = Math.max(0, y - r); dy <= Math.min(ny - 1, y + r); dy++) {
          const t = (dy * nx + x) * (k + 1);
          for (let j = 0; j <= k; j++) acc[j] += tmp[t + j];
        }
        for (let j = 0; j < k; j++) out[v * k + j] = acc[j] / acc[k];
      }
  }
  return out;
}
