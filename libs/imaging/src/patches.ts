/** Patch sampling and per-patch normalisation for unsupervised feature learning (Coates & Ng 2012). */

/** A small deterministic PRNG (mulberry32): same seed, same stream, on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Up to `count` voxel indices drawn (without replacement, seeded) from the voxels where `mask` is non-zero and a
 * patch of half-width `r` fits inside `dims` (nz = 1 for 2D images).
 */
export function samplePatchCenters(
  mask: Uint8Array,
  dims: [number, number, number],
  r: number,
  count: number,
  seed: number,
): Int32Array {
  const [nx, ny, nz] = dims;
  const rz = nz > 1 ? r : 0;
  const ok: number[] = [];
  for (let k = rz; k < nz - rz; k++)
    for (let j = r; j < ny - r; j++)
      for (let i = r; i < nx - r; i++) {
        const idx = i + nx * (j + ny * k);
        if (mask[idx]) ok.push(idx);
      }
  const rand = seededRandom(seed);
  const n = Math.min(count, ok.length);
  // Partial Fisher-Yates: the first n entries become a uniform sample.
  for (let a = 0; a < n; a++) {
    const b = a + Math.floor(rand() * (ok.length - a));
    const t = ok[a];
    ok[a] = ok[b];
    ok[b] = t;
  }
  return Int32Array.from(ok.slice(0, n));
}

/** Patch dimension: (2r+1)^2 in 2D, (2r+1)^3 in 3D. */
export function patchDim(r: number, is3d: boolean): number {
  const s = 2 * r + 1;
  return is3d ? s * s * s : s * s;
}

/** Copies the patch of half-width r around voxel `center` into `out` (row-major, i fastest). */
export function readPatch(
  data: ArrayLike<number>,
  dims: [number, number, number],
  r: number,
  is3d: boolean,
  center: number,
  out: Float32Array | Float64Array,
): void {
  const [nx, ny] = dims;
  const ci = center % nx;
  const cj = Math.floor(center / nx) % ny;
  const ck = Math.floor(center / (nx * ny));
  const rz = is3d ? r : 0;
  let p = 0;
  for (let dk = -rz; dk <= rz; dk++)
    for (let dj = -r; dj <= r; dj++) {
      const row = nx * (cj + dj + ny * (ck + dk));
      for (let di = -r; di <= r; di++) out[p++] = data[row + ci + di];
    }
}

/** Patches around the given centres, one per row of the returned n x dim matrix. */
export function extractPatches(
  data: ArrayLike<number>,
  dims: [number, number, number],
  r: number,
  centers: Int32Array,
  is3d = dims[2] > 1,
): Float32Array {
  const dim = patchDim(r, is3d);
  const out = new Float32Array(centers.length * dim);
  const buf = new Float32Array(dim);
  for (let n = 0; n < centers.length; n++) {
    readPatch(data, dims, r, is3d, centers[n], buf);
    out.set(buf, n * dim);
  }
  return out;
}

/** In place: each row minus its mean, divided by sqrt(variance + eps). */
export function normalizePatches(x: Float32Array | Float64Array, dim: number, eps = 10): void {
  for (let o = 0; o < x.length; o += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[o + d];
    const m = s / dim;
    let v = 0;
    for (let d = 0; d < dim; d++) v += (x[o + d] - m) ** 2;
    const inv = 1 / Math.sqrt(v / dim + eps);
    for (let d = 0; d < dim; d++) x[o + d] = (x[o + d] - m) * inv;
  }
}
